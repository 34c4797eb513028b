import { describe, expect, it } from "vitest";
import { lostBeyondOwedCents, refundsOwedThroughStripe, stripeRefundTargetCents, type Dispute, type RefundOwed } from "./booking.js";

const lost = (amountCents: number, status = "lost"): Dispute => ({
  id: `dp_${amountCents}_${status}`,
  paymentIntentId: "pi_1",
  amountCents,
  currency: "eur",
  reason: "fraudulent",
  status,
  evidenceDueBy: null,
  fundsWithdrawn: true,
});
const owed = (key: string, amountCents: number, refundedCents = 0): RefundOwed => ({
  key,
  amountCents,
  refundedCents,
  cause: "reschedule-difference",
});

describe("a lost dispute is money already returned", () => {
  it("takes what lost disputes returned off what Stripe refunds, never below 0 nor above what the payments hold", () => {
    const booking = { amountCents: 15_000, dispute: null, disputes: [lost(5_000)] };
    expect(stripeRefundTargetCents(booking, 7_500)).toBe(2_500);
    expect(stripeRefundTargetCents(booking, 3_000)).toBe(0);
    expect(stripeRefundTargetCents(booking, 20_000)).toBe(10_000);
  });

  it("counts an open dispute as nothing returned yet (the refund waits for its outcome)", () => {
    const booking = { amountCents: 15_000, dispute: null, disputes: [lost(5_000, "needs_response")] };
    expect(stripeRefundTargetCents(booking, 7_500)).toBe(7_500);
  });

  it("pays the oldest refund obligations first, and reduces a later refund by what is left of it", () => {
    const booking = { dispute: null, disputes: [lost(6_000)], refundsOwed: [owed("r1", 5_000, 1_000), owed("r2", 4_000)] };
    expect([...refundsOwedThroughStripe(booking)]).toEqual([
      ["r1", 0],
      ["r2", 2_000],
    ]);
    expect(lostBeyondOwedCents(booking)).toBe(0);
    expect(lostBeyondOwedCents({ ...booking, refundsOwed: [owed("r1", 1_000)] })).toBe(5_000);
  });
});
