import { CALCOM_API_KEY, STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";
import { getDependencies } from "../../shared/dependencies.js";
import { ConfirmBookingInputSchema, CreateBookingInputSchema } from "./bookings.schemas.js";
import { confirmBookingByCaller, createBooking as create } from "./bookings.service.js";

/** `createBooking`: a student holds a slot and gets a Stripe Checkout URL to pay it. */
export const createBooking = defineCallable({
  name: "createBooking",
  input: CreateBookingInputSchema,
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, STRIPE_SECRET_KEY] },
  handler: (input, caller) => create(input, caller, getDependencies()),
});

/** `confirmBooking`: the coach (or an admin) confirms a paid booking whose automatic confirmation failed. */
export const confirmBooking = defineCallable({
  name: "confirmBooking",
  input: ConfirmBookingInputSchema,
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, STRIPE_SECRET_KEY] },
  handler: (input, caller) => confirmBookingByCaller(input, caller, getDependencies()),
});
