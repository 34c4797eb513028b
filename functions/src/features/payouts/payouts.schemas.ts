import { z } from "zod";
import { FeeScheduleSchema, parseFeePercent } from "../../domain/payouts.js";

/** `startPayoutOnboarding` takes nothing: the caller is the coach. */
export const StartPayoutOnboardingInputSchema = z.strictObject({}).nullish();

export const PayOutBookingInputSchema = z.object({ bookingId: z.string().min(1).max(128) });
export type PayOutBookingInput = z.output<typeof PayOutBookingInputSchema>;

/** A fee's share in percent (0–100, at most two decimals: 12.5) as basis points, by the rule PLATFORM_FEE_PERCENT follows. */
const FeePercentAsBasisPointsSchema = z.number().transform((percent, ctx) => {
  try {
    return parseFeePercent(String(percent));
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "a fee percent is a number from 0 to 100" });
    return z.NEVER;
  }
});

export const SetCoachPlatformFeeInputSchema = z.strictObject({
  coachId: z.string().min(1).max(128),
  /** The coach's fee on their bookings made from now on; null clears it (the platform's applies again). */
  fee: z
    .strictObject({
      percent: FeePercentAsBasisPointsSchema,
      /** The fixed part per lowercase currency in minor units, e.g. `{ eur: 50 }` (a currency not listed: none). */
      fixedCents: FeeScheduleSchema.shape.fixedCents,
    })
    // As the coach document holds it (FeeSchedule).
    .transform(({ percent, fixedCents }) => ({ basisPoints: percent, fixedCents }))
    .nullable(),
});
export type SetCoachPlatformFeeInput = z.output<typeof SetCoachPlatformFeeInputSchema>;
