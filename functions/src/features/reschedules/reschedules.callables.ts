import { defineCallable } from "../../shared/callable.js";
import { getDependencies } from "../../shared/dependencies.js";
import { RescheduleBookingInputSchema } from "./reschedules.schemas.js";
import { rescheduleBooking as reschedule } from "./reschedules.service.js";

/** `rescheduleBooking`: the student or the coach moves a paid booking; a dearer offering's difference is paid through Checkout. */
export const rescheduleBooking = defineCallable({
  name: "rescheduleBooking",
  input: RescheduleBookingInputSchema,
  auth: "required",
  handler: (input, caller) => reschedule(input, caller, getDependencies()),
});
