import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

/** `rescheduleBooking`: the student or the coach moves a paid booking; a dearer offering's difference is paid through Checkout. */
export const rescheduleBooking = defineCallable({
  name: "rescheduleBooking",
  auth: "required",
  replayProtected: true,
  // The move is made in Cal.com while the caller waits; a dearer one opens a Checkout Session.
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await Promise.all([
      import("./reschedules.schemas.js"),
      import("./reschedules.service.js"),
      import("../../composition-root.js"),
    ]);
    return {
      input: schemas.RescheduleBookingInputSchema,
      handler: (input, caller) => service.rescheduleBooking(input, caller, getDependencies()),
    };
  },
});
