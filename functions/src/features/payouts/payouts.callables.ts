import { STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

/** `startPayoutOnboarding`: the coach's Stripe Express account (made once) and a fresh link to Stripe's onboarding. */
export const startPayoutOnboarding = defineCallable({
  name: "startPayoutOnboarding",
  auth: "required",
  options: { secrets: [STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await Promise.all([
      import("./payouts.schemas.js"),
      import("./payouts.service.js"),
      import("../../composition-root.js"),
    ]);
    return {
      input: schemas.StartPayoutOnboardingInputSchema,
      handler: (_input, caller) => service.startPayoutOnboarding(caller, getDependencies()),
    };
  },
});

/** `payOutBooking`: an admin pays a booking's coach now what is due (the payOutSessions sweep would within 15 minutes). */
export const payOutBooking = defineCallable({
  name: "payOutBooking",
  auth: "required",
  options: { secrets: [STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await Promise.all([
      import("./payouts.schemas.js"),
      import("./payouts.service.js"),
      import("../../composition-root.js"),
    ]);
    return { input: schemas.PayOutBookingInputSchema, handler: (input, caller) => service.payOutBooking(input, caller, getDependencies()) };
  },
});

/** `setCoachPlatformFee`: an admin sets or clears a coach's own platform fee, for their bookings made from now on. */
export const setCoachPlatformFee = defineCallable({
  name: "setCoachPlatformFee",
  auth: "required",
  load: async () => {
    const [schemas, service] = await Promise.all([import("./payouts.schemas.js"), import("./platform-fee.service.js")]);
    return { input: schemas.SetCoachPlatformFeeInputSchema, handler: (input, caller) => service.setCoachPlatformFee(input, caller) };
  },
});
