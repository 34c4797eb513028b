import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { quoteCancellation, quoteReschedule } from "../../src/features/money/money.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import type { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, moveAndPay, useStandIns, postSignedStripe, storedBooking as booking } from "../helpers/in-process.js";

const standIns = useStandIns();
const STRIPE_SECRET = "whsec_lost_disputes_test";
const START = "2030-01-07T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (hoursBeforeStart: number) => new Date(Date.parse(START) - hoursBeforeStart * HOUR);
const iso = (h: number, m = 0) => `2030-01-07T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00.000Z`;

type Deps = ReturnType<typeof testDependencies>;

/** A confirmed booking of `sixty` (60 min) at 09:00, with `deep` (60 min) and `thirty` (30 min) offerings beside it. */
const paidBooking = () =>
  confirmedBooking(standIns, { beside: { deep: 15_000, thirty: 5_000 }, config: { stripeWebhookSecret: STRIPE_SECRET } });

const postStripe = (type: string, object: unknown, deps: Deps) => postSignedStripe(standIns.stripe, STRIPE_SECRET, type, object, deps);

const refundedFor = (bookingId: string) =>
  [...standIns.stripe.refunds.values()]
    .filter((r) => r.metadata.bookingId === bookingId && (r.status === "succeeded" || r.status === "pending"))
    .reduce((sum, r) => sum + r.amount, 0);

describe("a lost dispute is money already returned to the student", () => {
  it("regression #16.19: a student's cancellation after a lost dispute refunds the same in either order: the policy's 75.00 less the 50.00 the bank returned", async () => {
    /** 100.00 paid, moved to the 150.00 offering at 10:00 (50.00 paid), the 50.00 disputed. */
    async function disputedDifference() {
      const s = await paidBooking();
      await moveAndPay(standIns.stripe, STRIPE_SECRET, s, { offeringId: "deep", start: iso(10), end: iso(11) });
      const b = await booking(s.bookingId);
      expect(b.amountCents).toBe(15_000);
      const differencePi = b.charges.find((c) => c.cause === "price-difference")?.paymentIntentId ?? "";
      const dispute = structuredClone(standIns.stripe.openDispute(differencePi));
      await postStripe("charge.dispute.created", dispute, s.deps);
      // 21 h before the 10:00 start: a student's cancellation refunds 50 % by the default policy.
      s.clock.now = at(20);
      return { s, dispute };
    }

    // A: the dispute is lost, then the student cancels.
    const a = await disputedDifference();
    await postStripe("charge.dispute.closed", standIns.stripe.closeDispute(a.dispute.id, "lost"), a.s.deps);
    // The quote says what the cancel will refund through Stripe.
    expect(await quoteCancellation({ bookingId: a.s.bookingId }, a.s.student, a.s.deps)).toMatchObject({
      refundCents: 2_500,
      policyRefundCents: 7_500,
    });
    await cancelBooking({ bookingId: a.s.bookingId, reason: "Plans changed" }, a.s.student, a.s.deps);
    await runBookingEffects(a.s.bookingId, a.s.deps);

    // B: the student cancels while the dispute is open, then it is lost.
    const b = await disputedDifference();
    await cancelBooking({ bookingId: b.s.bookingId, reason: "Plans changed" }, b.s.student, b.s.deps);
    await runBookingEffects(b.s.bookingId, b.s.deps);
    await postStripe("charge.dispute.closed", standIns.stripe.closeDispute(b.dispute.id, "lost"), b.s.deps);
    await runBookingEffects(b.s.bookingId, b.s.deps);

    // The same events in another order must leave the same money: the policy leaves the student
    // paying 75.00 in the end; the bank returned 50.00, so 25.00 is refunded.
    expect({ refundedInB: refundedFor(b.s.bookingId) }).toEqual({ refundedInB: refundedFor(a.s.bookingId) });
    for (const s of [a.s, b.s]) {
      const after = await booking(s.bookingId);
      expect({
        refunded: refundedFor(s.bookingId),
        refundedCents: after.refundedCents,
        kept: after.amountCents - after.refundedCents - after.disputedCents,
        paymentStatus: after.paymentStatus,
      }).toEqual({ refunded: 2_500, refundedCents: 2_500, kept: 7_500, paymentStatus: "refunded" });
    }
  });

  it("regression #16.20: a cheaper move after a lost dispute is priced none and owes nothing (the bank returned more than the difference)", async () => {
    const s = await paidBooking();
    const dispute = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await postStripe("charge.dispute.created", dispute, s.deps);
    await postStripe("charge.dispute.closed", standIns.stripe.closeDispute(dispute.id, "lost"), s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", disputedCents: 10_000 });
    // The bank has already given the student the whole 100.00 back: nothing is left to refund.
    const move = { bookingId: s.bookingId, newStartTime: iso(11), newEndTime: iso(11, 30), newOfferingId: "thirty" };
    const quote = await quoteReschedule(move, s.student, s.deps);
    await rescheduleBooking({ ...move, refundDifference: true, reason: "" }, s.student, s.deps);
    const effects = await runBookingEffects(s.bookingId, s.deps).then(
      () => "ok",
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    const after = await booking(s.bookingId);
    expect({ quote: quote.kind, effects, refundsOwed: after.refundsOwed }).toEqual({ quote: "none", effects: "ok", refundsOwed: [] });
  });

  it("regression #16.20: a refund owed while the dispute is open, then lost, is not refunded again and never throws out of the trigger", async () => {
    const s = await paidBooking();
    const dispute = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await postStripe("charge.dispute.created", dispute, s.deps);
    // The cheaper move owes 50.00 back, which waits for the dispute's outcome.
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: iso(11),
        newEndTime: iso(11, 30),
        newOfferingId: "thirty",
        refundDifference: true,
        reason: "",
      },
      s.student,
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect((await booking(s.bookingId)).refundsOwed.map((o) => o.amountCents)).toEqual([5_000]);
    // Lost: the bank returned the whole 100.00, the 50.00 owed among it.
    await postStripe("charge.dispute.closed", standIns.stripe.closeDispute(dispute.id, "lost"), s.deps);
    const effects = await runBookingEffects(s.bookingId, s.deps).then(
      () => "ok",
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    const after = await booking(s.bookingId);
    expect({ effects, refunded: refundedFor(s.bookingId), lastError: after.lastError }).toEqual({
      effects: "ok",
      refunded: 0,
      lastError: null,
    });
  });
});
