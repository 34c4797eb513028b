import { z } from "zod";
import { WeeklySlotSchema } from "./availability.js";
import { CoachListingSchema, CoachProfileSchema } from "./coach-profile.js";
import { OfferingSchema } from "./offering.js";
import { PayoutAccountSchema } from "./payout-account.js";
import { FeeScheduleSchema } from "./payouts.js";
import { CancellationPolicySchema } from "./policy.js";
import { SchedulingLimitsPatchSchema } from "./limits.js";
import { TimeZoneSchema } from "./time.js";

/** What a caller is told when a coach has no Cal.com user or schedule yet (their first sync has not run). */
export const COACH_NOT_SYNCED_MESSAGE = "Coach not synced with Cal.com";

/** `coaches/{coachId}`, coachId being the coach's Auth uid. Field names are the brief's. */
export const CoachSchema = z.object({
  displayName: z.string().max(200).optional(),
  timeZone: TimeZoneSchema,
  calcomUserId: z.int().positive().nullable().default(null),
  calcomScheduleId: z.int().positive().nullable().default(null),
  /** How the coach is reached in Cal.com; set by the first sync. */
  calcomMode: z.enum(["organization", "connected"]).nullable().default(null),
  availabilitySlots: z.array(WeeklySlotSchema).default([]),
  customOfferings: z.array(OfferingSchema).default([]),
  cancellationPolicy: CancellationPolicySchema.optional(),
  /** The coach's Stripe connected account (startPayoutOnboarding), kept by `account.updated`; null before onboarding. */
  payoutAccount: PayoutAccountSchema.nullable().default(null),
  /** An admin's override of the platform's fee for this coach's new bookings. */
  platformFee: FeeScheduleSchema.optional(),
  /** The coach's scheduling limits over the marketplace defaults (offerings may override them). */
  schedulingLimits: SchedulingLimitsPatchSchema.optional(),
  /** The last failure of the offering → event type sync, if it has not succeeded since. */
  eventTypeSyncError: z.object({ code: z.string(), message: z.string() }).nullable().default(null),
  /** The catalog profile the coach writes (saveCoachProfile); absent on older documents. */
  profile: CoachProfileSchema.default(CoachProfileSchema.parse({})),
  /** Admins' approval and unpublishing (setCoachListing). */
  listing: CoachListingSchema.default(CoachListingSchema.parse({})),
});
export type Coach = z.output<typeof CoachSchema>;
