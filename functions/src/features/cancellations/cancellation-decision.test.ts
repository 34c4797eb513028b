import { describe, expect, it } from "vitest";
import type { Booking } from "../../domain/booking.js";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/policy.js";
import { decideCancellation } from "./cancellation-decision.js";

const START = "2030-01-07T09:00:00.000Z";
const hoursBefore = (h: number) => new Date(Date.parse(START) - h * 3_600_000);
const booking = {
  startTime: START, status: "confirmed", paymentStatus: "paid", amountCents: 10_000, refundedCents: 0, disputedCents: 0, currency: "eur",
  cancellationPolicy: DEFAULT_CANCELLATION_POLICY, refundsOwed: [], dispute: null, disputes: [], charges: [],
} as unknown as Booking;
const dispute = (status: string) => ({ id: "dp_1", paymentIntentId: "pi_1", amountCents: 10_000, currency: "eur", reason: "fraudulent", status, evidenceDueBy: null, fundsWithdrawn: status !== "won" });

describe("decideCancellation", () => {
  it("quotes the tier and the instant it stops holding", () => {
    expect(decideCancellation(booking, "student", hoursBefore(30))).toMatchObject({ refundCents: 10_000, tier: "notice-24h", validUntil: hoursBefore(24).toISOString(), policyVersion: 1, blockedBy: null });
    expect(decideCancellation(booking, "student", hoursBefore(23))).toMatchObject({ refundCents: 5_000, validUntil: hoursBefore(2).toISOString() });
    expect(decideCancellation(booking, "coach", hoursBefore(1))).toMatchObject({ refundCents: 10_000, tier: "coach-cancellation", validUntil: null });
  });

  it("counts refunds already owed as refunded", () => {
    const owing = { ...booking, refundsOwed: [{ key: "r1-difference-refund", amountCents: 4_000, refundedCents: 0, cause: "price-difference" }] };
    expect(decideCancellation(owing, "student", hoursBefore(23))).toMatchObject({ refundCents: 3_000, owedCents: 4_000 });
  });

  it("blocks a refund while a dispute is open, saying why, and shrinks what is refundable once it is lost", () => {
    expect(decideCancellation({ ...booking, disputedCents: 10_000, dispute: dispute("needs_response") }, "student", hoursBefore(30))).toMatchObject({ refundCents: 10_000, blockedBy: expect.stringContaining("disputed") as string });
    expect(decideCancellation({ ...booking, disputedCents: 10_000, dispute: dispute("lost") }, "coach", hoursBefore(30))).toMatchObject({ refundCents: 0, blockedBy: null });
    expect(decideCancellation({ ...booking, dispute: dispute("won") }, "student", hoursBefore(30))).toMatchObject({ refundCents: 10_000, blockedBy: null });
  });

  it("takes a coach's amount up to what is refundable, and nothing for an unpaid hold", () => {
    expect(decideCancellation(booking, "coach", hoursBefore(1), 2_500)).toMatchObject({ refundCents: 2_500, tier: "set-by-coach", validUntil: null });
    expect(() => decideCancellation({ ...booking, refundedCents: 9_000 }, "coach", hoursBefore(1), 1_001)).toThrow(/refundable \(1000\)/);
    expect(decideCancellation({ ...booking, status: "requested", paymentStatus: "pending" }, "student", hoursBefore(1))).toMatchObject({ refundCents: 0, tier: "unpaid-hold" });
  });
});
