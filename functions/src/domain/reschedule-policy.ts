import { decideRefund, type CancellationPolicy } from "./policy.js";

export type RescheduleDecision = { allowed: true; tier: string } | { allowed: false; tier: string; refundPercent: number; reason: string };

/**
 * Whether a reschedule may go ahead, by the same windows as a cancellation (decided on purpose):
 * a coach may always move a session; a student may move it free of charge only while cancelling
 * would still refund in full (the first tier of the booking's frozen policy). Inside a lower tier
 * a move would dodge the policy's partial refund, so it is refused: the student can cancel under
 * the policy instead.
 */
export function decideReschedule(input: {
  by: "student" | "coach";
  now: string;
  startTime: string;
  policy: CancellationPolicy;
}): RescheduleDecision {
  if (input.by === "coach") return { allowed: true, tier: "coach-reschedule" };
  const refund = decideRefund({
    cancelledBy: "student",
    now: input.now,
    startTime: input.startTime,
    capturedCents: 100,
    alreadyRefundedCents: 0,
    policy: input.policy,
  });
  if (refund.refundPercent === 100) return { allowed: true, tier: refund.tier };
  return {
    allowed: false,
    tier: refund.tier,
    refundPercent: refund.refundPercent,
    reason:
      refund.tier === "after-start"
        ? "This session has already started and can no longer be moved."
        : `Too close to the start to move this session: cancelling now would refund ${refund.refundPercent} %.`,
  };
}
