import { z } from "zod";
import { PolicyTierSchema } from "../../domain/policy.js";
import { InstantSchema } from "../../domain/time.js";

export const SaveCancellationPolicyInputSchema = z.object({
  /** Ordered from the most notice to the least; the last at 0 h. Bookings already made keep theirs. */
  tiers: z.array(PolicyTierSchema).min(1).max(10),
});
export type SaveCancellationPolicyInput = z.output<typeof SaveCancellationPolicyInputSchema>;

export const QuoteCancellationInputSchema = z.object({ bookingId: z.string().min(1).max(128) });
export type QuoteCancellationInput = z.output<typeof QuoteCancellationInputSchema>;

export const QuoteRescheduleInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  newStartTime: InstantSchema,
  newEndTime: InstantSchema,
  newOfferingId: z.string().min(1).max(40).optional(),
});
export type QuoteRescheduleInput = z.output<typeof QuoteRescheduleInputSchema>;

/** A statement's period, [from, to): `to` after `from`, at most 366 days (a coach's and the platform's alike). */
function withStatementPeriod<S extends z.ZodType<{ from: string; to: string }>>(schema: S): S {
  return schema
    .refine((v) => Date.parse(v.to) > Date.parse(v.from), { path: ["to"], message: "must be after from" })
    .refine((v) => Date.parse(v.to) - Date.parse(v.from) <= 366 * 86_400_000, {
      path: ["to"],
      message: "a statement covers at most 366 days",
    });
}

export const CoachStatementInputSchema = withStatementPeriod(
  z.object({
    from: InstantSchema,
    to: InstantSchema,
    /** Whose statement: the caller's own (default); another coach's for an admin only. */
    coachId: z.string().min(1).max(128).optional(),
  }),
);
export type CoachStatementInput = z.output<typeof CoachStatementInputSchema>;

export const PlatformStatementInputSchema = withStatementPeriod(z.object({ from: InstantSchema, to: InstantSchema }));
export type PlatformStatementInput = z.output<typeof PlatformStatementInputSchema>;
