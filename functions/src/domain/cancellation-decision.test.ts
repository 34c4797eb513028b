import { describe, expect, it } from "vitest";
import type { Booking } from "./booking.js";
import { DEFAULT_SCHEDULING_LIMITS } from "./limits.js";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";
import { decideCancellation } from "./cancellation-decision.js";

const START = "2030-01-07T09:00:00.000Z";
const hoursBefore = (h: number) => new Date(Date.parse(START) - h * 3_600_000);
const booking = {
  startTime: START,
  status: "confirmed",
  paymentStatus: "paid",
  amountCents: 10_000,
  refundedCents: 0,
  disputedCents: 0,
  currency: "eur",
  cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
  refundsOwed: [],
  dispute: null,
  disputes: [],
  charges: [],
} as unknown as Booking;
const dispute = (status: string) => ({
  id: "dp_1",
  paymentIntentId: "pi_1",
  amountCents: 10_000,
  currency: "eur",
  reason: "fraudulent",
  status,
  evidenceDueBy: null,
  fundsWithdrawn: status !== "won",
});

describe("decideCancellation", () => {
  it("quotes the tier and the instant it stops holding", () => {
    expect(decideCancellation(booking, "student", hoursBefore(30))).toMatchObject({
      refundCents: 10_000,
      tier: "notice-24h",
      validUntil: hoursBefore(24).toISOString(),
      policyVersion: 1,
      blockedBy: null,
    });
    expect(decideCancellation(booking, "student", hoursBefore(23))).toMatchObject({
      refundCents: 5_000,
      validUntil: hoursBefore(2).toISOString(),
    });
    expect(decideCancellation(booking, "coach", hoursBefore(1))).toMatchObject({
      refundCents: 10_000,
      tier: "coach-cancellation",
      validUntil: null,
    });
  });

  it("counts refunds already owed as refunded", () => {
    const owing = {
      ...booking,
      refundsOwed: [{ key: "r1-difference-refund", amountCents: 4_000, refundedCents: 0, cause: "price-difference" }],
    };
    expect(decideCancellation(owing, "student", hoursBefore(23))).toMatchObject({ refundCents: 3_000, owedCents: 4_000 });
  });

  it("blocks a refund while a dispute is open, saying why, and shrinks what is refundable once it is lost", () => {
    expect(
      decideCancellation({ ...booking, disputedCents: 10_000, dispute: dispute("needs_response") }, "student", hoursBefore(30)),
    ).toMatchObject({ refundCents: 10_000, refundWaitsFor: expect.stringContaining("disputed") as string, blockedBy: null });
    expect(decideCancellation({ ...booking, disputedCents: 10_000, dispute: dispute("lost") }, "coach", hoursBefore(30))).toMatchObject({
      refundCents: 0,
      blockedBy: null,
    });
    expect(decideCancellation({ ...booking, dispute: dispute("won") }, "student", hoursBefore(30))).toMatchObject({
      refundCents: 10_000,
      blockedBy: null,
    });
  });

  it("regression #16.19: a lost dispute is money already returned: the policy decides on what was paid, Stripe refunds it less what the bank returned, in either order", () => {
    const moved = { ...booking, amountCents: 15_000, disputedCents: 5_000 };
    const disputed = (status: string) => ({ ...dispute(status), amountCents: 5_000, paymentIntentId: "pi_difference" });
    // Open: the policy's 50 % of 150.00, waiting for the outcome.
    expect(decideCancellation({ ...moved, dispute: disputed("needs_response") }, "student", hoursBefore(20))).toMatchObject({
      refundCents: 7_500,
      policyRefundCents: 7_500,
    });
    // Lost: the same policy refund, of which the bank returned 50.00.
    expect(decideCancellation({ ...moved, dispute: disputed("lost") }, "student", hoursBefore(20))).toMatchObject({
      refundCents: 2_500,
      policyRefundCents: 7_500,
    });
  });

  it("takes an admin's amount up to what is refundable, and nothing for an unpaid hold", () => {
    expect(decideCancellation(booking, "admin", hoursBefore(1), 2_500)).toMatchObject({
      refundCents: 2_500,
      tier: "set-by-admin",
      validUntil: null,
    });
    expect(() => decideCancellation({ ...booking, refundedCents: 9_000 }, "admin", hoursBefore(1), 1_001)).toThrow(/refundable \(1000\)/);
    expect(decideCancellation({ ...booking, status: "requested", paymentStatus: "pending" }, "student", hoursBefore(1))).toMatchObject({
      refundCents: 0,
      tier: "unpaid-hold",
    });
  });
});

describe("who may set the refund, and the student cut-off", () => {
  it("regression #16.8: a coach cannot choose the refund: a coach's cancellation always refunds in full", () => {
    expect(() => decideCancellation(booking, "coach", hoursBefore(1), 0)).toThrow(
      expect.objectContaining({ code: "auth/permission-denied" }) as Error,
    );
    expect(() => decideCancellation(booking, "student", hoursBefore(30), 0)).toThrow(
      expect.objectContaining({ code: "auth/permission-denied" }) as Error,
    );
    expect(decideCancellation(booking, "coach", hoursBefore(1))).toMatchObject({ refundCents: 10_000, tier: "coach-cancellation" });
  });

  it("regression #16.15: inside the student cut-off the quote says the cancel is blocked, exactly when cancelBooking refuses", () => {
    const limited = { ...booking, limits: { ...DEFAULT_SCHEDULING_LIMITS, studentCutoffMinutes: 240 } };
    expect(decideCancellation(limited, "student", hoursBefore(5))).toMatchObject({ refundCents: 5_000, blockedBy: null });
    const inside = decideCancellation(limited, "student", hoursBefore(3));
    expect(inside).toMatchObject({ refundCents: 5_000, blockedCode: "booking/cutoff-passed" });
    expect(inside.blockedBy).toMatch(/240 minutes before it starts/);
    // Coaches are never cut off; an unpaid hold can always be let go.
    expect(decideCancellation(limited, "coach", hoursBefore(3))).toMatchObject({ blockedBy: null });
    expect(decideCancellation({ ...limited, status: "requested", paymentStatus: "pending" }, "student", hoursBefore(3))).toMatchObject({
      blockedBy: null,
    });
  });
});
