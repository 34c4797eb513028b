import { defineCallable } from "../../shared/callable.js";
import { getDependencies } from "../../shared/dependencies.js";
import { CancelBookingInputSchema } from "./cancellations.schemas.js";
import { cancelBooking as cancel } from "./cancellations.service.js";

/** `cancelBooking`: the student or the coach cancels; the refund follows the booking's frozen policy. */
export const cancelBooking = defineCallable({
  name: "cancelBooking",
  input: CancelBookingInputSchema,
  auth: "required",
  handler: (input, caller) => cancel(input, caller, getDependencies()),
});
