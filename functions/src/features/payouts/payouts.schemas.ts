import { z } from "zod";

/** `startPayoutOnboarding` takes nothing: the caller is the coach. */
export const StartPayoutOnboardingInputSchema = z.strictObject({}).nullish();

export const PayOutBookingInputSchema = z.object({ bookingId: z.string().min(1).max(128) });
export type PayOutBookingInput = z.output<typeof PayOutBookingInputSchema>;
