import { z } from "zod";

/** `startPayoutOnboarding` takes nothing: the caller is the coach. */
export const StartPayoutOnboardingInputSchema = z.strictObject({}).nullish();
