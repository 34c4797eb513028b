import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

/** `cancelBooking`: the student or the coach cancels; the refund follows the booking's frozen policy. */
export const cancelBooking = defineCallable({
  name: "cancelBooking",
  auth: "required",
  replayProtected: true,
  // Cancelling an unpaid hold expires its Checkout Session; the far-end work of a paid one runs in the trigger.
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await Promise.all([
      import("./cancellations.schemas.js"),
      import("./cancellations.service.js"),
      import("../../composition-root.js"),
    ]);
    return { input: schemas.CancelBookingInputSchema, handler: (input, caller) => service.cancelBooking(input, caller, getDependencies()) };
  },
});

/** `refundSession`: the coach (or an admin) refunds a session that ended, in full; the coach's share is taken back. */
export const refundSession = defineCallable({
  name: "refundSession",
  auth: "required",
  replayProtected: true,
  load: async () => {
    const [schemas, service, { getDependencies }] = await Promise.all([
      import("./cancellations.schemas.js"),
      import("./cancellations.service.js"),
      import("../../composition-root.js"),
    ]);
    return { input: schemas.RefundSessionInputSchema, handler: (input, caller) => service.refundSession(input, caller, getDependencies()) };
  },
});
