import { describe, expect, it } from "vitest";
import { keptCents, payoutBlock, payoutReleaseAt } from "./payout-timing.js";

const END = "2030-01-07T10:00:00.000Z";
const base = {
  status: "completed" as const,
  endTime: END,
  attendance: null,
  charges: [{ paymentIntentId: "pi_a", amountCents: 6_000, refundedCents: 0, cause: "checkout" as const }],
  dispute: null,
  disputes: [],
  amountCents: 6_000,
  refundedCents: 0,
  cancellation: null,
  refundsOwed: [],
};
const ready = {
  accountId: "acct_1",
  detailsSubmitted: true,
  chargesEnabled: true,
  payoutsEnabled: true,
  transfersActive: true,
  requirementsDue: [],
  disabledReason: null,
  eventCreated: 1,
  updatedAt: END,
};
const at = (iso: string) => new Date(iso);

describe("payouts' timing", () => {
  it("releases a completed session at its settlement plus the hold, a late cancellation at its scheduled end plus the hold", () => {
    const decided = { ...base, attendance: { decidedAt: "2030-01-08T10:00:00.000Z" } } as never;
    expect(payoutReleaseAt(decided, 48)).toBe("2030-01-10T10:00:00.000Z");
    // An admin's completion before the scheduled end: the hold runs from the completion.
    const early = { ...base, attendance: { decidedAt: "2030-01-07T09:30:00.000Z" } } as never;
    expect(payoutReleaseAt(early, 0)).toBe("2030-01-07T09:30:00.000Z");
    expect(payoutReleaseAt({ ...base, status: "cancelled" }, 48)).toBe("2030-01-09T10:00:00.000Z");
    const refunded = { ...base, status: "cancelled" as const, charges: [{ ...base.charges[0], refundedCents: 6_000 }] } as never;
    expect(payoutReleaseAt(refunded, 48)).toBeNull();
    expect(payoutReleaseAt({ ...base, status: "confirmed" }, 48)).toBeNull();
  });

  it("blocks transfers within the hold, while a dispute or a no-show claim is open, and for a coach Stripe cannot pay", () => {
    const after = at("2030-01-09T10:00:00.000Z");
    expect(payoutBlock(base, ready, after, 48)).toBeNull();
    expect(payoutBlock(base, ready, at("2030-01-09T09:59:59.000Z"), 48)).toBe("on-hold");
    const disputed = {
      ...base,
      disputes: [
        {
          id: "dp",
          paymentIntentId: "pi_a",
          amountCents: 6_000,
          currency: "eur",
          reason: "fraudulent",
          status: "needs_response",
          evidenceDueBy: null,
          fundsWithdrawn: true,
        },
      ],
    };
    expect(payoutBlock(disputed, ready, after, 48)).toBe("dispute-open");
    expect(payoutBlock({ ...base, attendance: { awaitingAdminSince: END } } as never, ready, after, 48)).toBe("no-show-open");
    expect(payoutBlock(base, null, after, 48)).toBe("not-onboarded");
    // A refund owed to the student and not made yet: what it gives back is not the coach's.
    const owed = { key: "session-refund", amountCents: 6_000, refundedCents: 0, cause: "session-refund" };
    expect(payoutBlock({ ...base, refundsOwed: [owed] }, ready, after, 48)).toBe("refund-owed");
    expect(payoutBlock({ ...base, refundsOwed: [{ ...owed, refundedCents: 6_000 }] }, ready, after, 48)).toBeNull();
    const lateCancel = { ...base, status: "cancelled" as const, cancellation: { refundCents: 3_000 } } as never;
    expect(payoutBlock(lateCancel, ready, after, 48)).toBe("refund-owed");
    expect(payoutBlock({ ...(lateCancel as object), refundedCents: 3_000 } as never, ready, after, 48)).toBeNull();
    expect(payoutBlock(base, { ...ready, payoutsEnabled: false }, after, 48)).toBe("payouts-disabled");
    expect(payoutBlock({ ...base, status: "confirmed" }, ready, after, 48)).toBe("not-settled");
  });

  it("counts what a booking kept: captured − refunded − lost to closed disputes", () => {
    const lost = {
      ...base,
      disputes: [
        {
          id: "dp",
          paymentIntentId: "pi_a",
          amountCents: 2_000,
          currency: "eur",
          reason: "x",
          status: "lost",
          evidenceDueBy: null,
          fundsWithdrawn: true,
        },
      ],
    };
    expect(keptCents(lost)).toBe(4_000);
    const won = { ...base, disputes: [{ ...lost.disputes[0], status: "won", fundsWithdrawn: false }] } as never;
    expect(keptCents(won)).toBe(6_000);
  });
});
