import { z } from "zod";
import { CentsSchema, CurrencySchema } from "./money.js";
import { SchedulingLimitsPatchSchema } from "./limits.js";
import { CancellationPolicySchema } from "./policy.js";

/** A session a coach sells: 30 min, 60 min or a custom length, each with its own price. */
export const OfferingSchema = z.object({
  // Lowercase so that the Cal.com slug derived from it is the id itself.
  id: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "may hold lowercase letters, digits and single hyphens only"),
  title: z.string().trim().min(1).max(200),
  durationMinutes: z
    .int()
    .min(5)
    .max(12 * 60),
  priceCents: CentsSchema,
  currency: CurrencySchema,
  /** Set by the backend once the offering's Cal.com event type exists. */
  calcomEventTypeId: z.int().positive().nullable().default(null),
  cancellationPolicy: CancellationPolicySchema.optional(),
  /** Overrides of the coach's scheduling limits for this offering only. */
  schedulingLimits: SchedulingLimitsPatchSchema.optional(),
});
export type Offering = z.output<typeof OfferingSchema>;

/** An offering whose event type is being made (new, or given a new length): bookable once the sync links it. */
export const OFFERING_NOT_SYNCED_MESSAGE = "This offering is not in the coach's Cal.com calendar yet. Please try again shortly.";
