import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

const modules = () => Promise.all([import("./bookings.schemas.js"), import("./bookings.service.js"), import("../../composition-root.js")]);

/** `createBooking`: a student holds a slot and gets a Stripe Checkout URL to pay it. */
export const createBooking = defineCallable({
  name: "createBooking",
  auth: "required",
  replayProtected: true,
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return { input: schemas.CreateBookingInputSchema, handler: (input, caller) => service.createBooking(input, caller, getDependencies()) };
  },
});

/** `confirmBooking`: the coach (or an admin) confirms a paid booking whose automatic confirmation failed. */
export const confirmBooking = defineCallable({
  name: "confirmBooking",
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return {
      input: schemas.ConfirmBookingInputSchema,
      handler: (input, caller) => service.confirmBookingByCaller(input, caller, getDependencies()),
    };
  },
});
