import { z } from "zod";
import { HOUR_MS, epochMs, isoFromMs } from "./time.js";
import { percentOf, refundableCents } from "./money.js";

/**
 * One tier of a cancellation policy: a student who cancels at least `minNoticeHours` before the
 * start gets `refundPercent` % of what is still refundable.
 */
export const PolicyTierSchema = z.object({
  minNoticeHours: z
    .number()
    .min(0)
    .max(24 * 365),
  refundPercent: z.int().min(0).max(100),
});
export type PolicyTier = z.output<typeof PolicyTierSchema>;

function describeTier(index: number, tier: { minNoticeHours: number }): string {
  return `tier ${index + 1} (${tier.minNoticeHours} h notice)`;
}

/**
 * A coach's cancellation policy. Tiers are ordered from the most notice to the least, with
 * strictly decreasing notice and non-increasing refunds, and the last tier starts at 0 h so that
 * every moment before the start falls in exactly one tier (no gap, no overlap).
 */
export const CancellationPolicySchema = z
  .object({
    version: z.int().min(1),
    tiers: z.array(PolicyTierSchema).min(1).max(10),
  })
  .superRefine((policy, ctx) => {
    policy.tiers.forEach((tier, index) => {
      const previous = index > 0 ? policy.tiers[index - 1] : undefined;
      if (previous && tier.minNoticeHours >= previous.minNoticeHours) {
        ctx.addIssue({
          code: "custom",
          path: ["tiers", index, "minNoticeHours"],
          message: `${describeTier(index, tier)} must need less notice than ${describeTier(index - 1, previous)}`,
        });
      }
      if (previous && tier.refundPercent > previous.refundPercent) {
        ctx.addIssue({
          code: "custom",
          path: ["tiers", index, "refundPercent"],
          message: `${describeTier(index, tier)} must not refund more than ${describeTier(index - 1, previous)}`,
        });
      }
    });
    const last = policy.tiers.at(-1);
    if (last && last.minNoticeHours !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["tiers", policy.tiers.length - 1, "minNoticeHours"],
        message: `${describeTier(policy.tiers.length - 1, last)} must start at 0 h so that no time before the session is left uncovered`,
      });
    }
  });
export type CancellationPolicy = z.output<typeof CancellationPolicySchema>;

/** The marketplace default: > 24 h full refund, 2-24 h half, < 2 h none. */
export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = Object.freeze({
  version: 1,
  tiers: Object.freeze([
    Object.freeze({ minNoticeHours: 24, refundPercent: 100 }),
    Object.freeze({ minNoticeHours: 2, refundPercent: 50 }),
    Object.freeze({ minNoticeHours: 0, refundPercent: 0 }),
  ]) as PolicyTier[],
});

/** The policy a booking of this offering is sold under: the offering's own, else the coach's, else the marketplace default. */
export function effectivePolicy(
  coachPolicy: CancellationPolicy | undefined,
  offeringPolicy: CancellationPolicy | undefined,
): CancellationPolicy {
  return offeringPolicy ?? coachPolicy ?? DEFAULT_CANCELLATION_POLICY;
}

export type CancelledBy = "student" | "coach";

export interface RefundInput {
  cancelledBy: CancelledBy;
  /** Instants as UTC ISO strings; policy maths is on elapsed time, so time zones never enter it. */
  now: string;
  startTime: string;
  capturedCents: number;
  alreadyRefundedCents: number;
  policy: CancellationPolicy;
}

export interface RefundDecision {
  refundCents: number;
  refundPercent: number;
  /** `coach-cancellation`, `after-start`, or `notice-<h>h` for the policy tier that applied. */
  tier: string;
  policyVersion: number;
  /**
   * The last instant (inclusive) at which this same decision still holds, or null when it can
   * no longer change (a coach's cancellation, or a session that has started).
   */
  validUntil: string | null;
}

/**
 * Decides the refund for a cancellation.
 *
 * Boundaries, decided on purpose:
 * - notice is elapsed time between `now` and the start, not wall-clock hours, so a night with a
 *   daylight-saving change counts the hours that really pass;
 * - a tier applies when notice >= its minimum: exactly 24 h before is still a full refund,
 *   exactly 2 h before is still 50 % (the student who cancels on the dot gets the better tier);
 * - the 0 h tier runs up to and including the start; after it a student's cancellation refunds
 *   nothing (`after-start`);
 * - a coach's cancellation refunds everything still refundable, whenever it happens;
 * - percentages apply to what is still refundable (captured minus already refunded), rounded down.
 */
export function decideRefund(input: RefundInput): RefundDecision {
  const refundable = refundableCents(input.capturedCents, input.alreadyRefundedCents);
  const version = input.policy.version;
  if (input.cancelledBy === "coach") {
    return { refundCents: refundable, refundPercent: 100, tier: "coach-cancellation", policyVersion: version, validUntil: null };
  }
  const startMs = epochMs(input.startTime);
  const noticeMs = startMs - epochMs(input.now);
  if (noticeMs < 0) {
    return { refundCents: 0, refundPercent: 0, tier: "after-start", policyVersion: version, validUntil: null };
  }
  const tier = input.policy.tiers.find((t) => noticeMs >= t.minNoticeHours * HOUR_MS);
  // The schema guarantees a 0 h tier, so a positive notice always finds one.
  if (!tier) throw new RangeError("cancellation policy has no tier for this notice");
  return {
    refundCents: percentOf(refundable, tier.refundPercent),
    refundPercent: tier.refundPercent,
    tier: `notice-${tier.minNoticeHours}h`,
    policyVersion: version,
    validUntil: isoFromMs(startMs - Math.round(tier.minNoticeHours * HOUR_MS)),
  };
}
