import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

const modules = () =>
  Promise.all([import("./attendance.schemas.js"), import("./attendance.service.js"), import("../../composition-root.js")]);
// A coach's no-show refunds at once: the trigger's Stripe and Cal.com work may run in the call.
const options = { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] };

/** `markNoShow`: the coach marks the student (or themselves) absent, the student reports the coach, after the start. */
export const markNoShow = defineCallable({
  name: "markNoShow",
  auth: "required",
  replayProtected: true,
  options,
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return { input: schemas.MarkNoShowInputSchema, handler: (input, caller) => service.markNoShow(input, caller, getDependencies()) };
  },
});

/** `resolveNoShow`: an admin decides who came to a session the two sides disagree about. */
export const resolveNoShow = defineCallable({
  name: "resolveNoShow",
  auth: "required",
  options,
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return { input: schemas.ResolveNoShowInputSchema, handler: (input, caller) => service.resolveNoShow(input, caller, getDependencies()) };
  },
});

/** `completeBooking`: an admin completes a session after its start, without waiting for the grace period. */
export const completeBooking = defineCallable({
  name: "completeBooking",
  auth: "required",
  options,
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return {
      input: schemas.CompleteBookingInputSchema,
      handler: (input, caller) => service.completeBooking(input, caller, getDependencies()),
    };
  },
});
