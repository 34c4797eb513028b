import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { getDb } from "../../src/shared/firestore.js";
import type { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, moveAndPay, useStandIns, postSignedStripe, storedBooking as booking } from "../helpers/in-process.js";

const standIns = useStandIns();
const SECRET = "whsec_disputes_test";
const START = "2030-01-07T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (hoursBeforeStart: number) => new Date(Date.parse(START) - hoursBeforeStart * HOUR);

/** A confirmed, paid booking of 100.00 EUR at START (a 150.00 offering `deep` beside it), with a clock the test moves. */
const paidBooking = () => confirmedBooking(standIns, { beside: { deep: 15_000 }, config: { stripeWebhookSecret: SECRET } });

const post = (type: string, object: unknown, deps: ReturnType<typeof testDependencies>) =>
  postSignedStripe(standIns.stripe, SECRET, type, object, deps);

async function calendarOf(coachId: string) {
  const data = (await getDb().collection("coachCalendars").doc(coachId).get()).data() as { intervals: { bookingId: string }[] } | undefined;
  return data?.intervals ?? [];
}

describe("disputes arrive in any order", () => {
  it("regression #16.4: a created or updated event arriving after the dispute closed changes nothing (the won dispute stays won, refunds go through)", async () => {
    const s = await paidBooking();
    const created = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await post("charge.dispute.created", created, s.deps);
    await post("charge.dispute.closed", standIns.stripe.closeDispute(created.id, "won"), s.deps);
    // The earlier events, delivered late.
    await post("charge.dispute.updated", { ...created, status: "under_review" }, s.deps);
    await post("charge.dispute.created", created, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      disputedCents: 0,
      dispute: { id: created.id, status: "won", fundsWithdrawn: false },
    });

    s.clock.now = at(30);
    await cancelBooking({ bookingId: s.bookingId, reason: "Trip" }, s.student, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
  });

  it("regression #16.4: two disputes on one booking (the first payment and a move's difference) each count once, whatever the order of their events", async () => {
    const s = await paidBooking();
    await moveAndPay(standIns.stripe, SECRET, s, {
      offeringId: "deep",
      start: "2030-01-07T10:00:00.000Z",
      end: "2030-01-07T11:00:00.000Z",
    });
    const moved = await booking(s.bookingId);
    expect(moved).toMatchObject({ amountCents: 15_000, reschedule: null });
    const differencePi = moved.charges.find((c) => c.cause === "price-difference")?.paymentIntentId ?? "";

    const first = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    const second = structuredClone(standIns.stripe.openDispute(differencePi));
    await post("charge.dispute.created", first, s.deps);
    await post("charge.dispute.created", second, s.deps);
    await post("charge.dispute.updated", { ...first, status: "under_review" }, s.deps);
    await post("charge.dispute.updated", { ...first, status: "under_review" }, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ disputedCents: 15_000 });

    await post("charge.dispute.closed", standIns.stripe.closeDispute(second.id, "won"), s.deps);
    await post("charge.dispute.closed", standIns.stripe.closeDispute(first.id, "lost"), s.deps);
    await post("charge.dispute.updated", { ...second, status: "under_review" }, s.deps); // late
    const after = await booking(s.bookingId);
    expect(after.disputedCents).toBe(10_000);
    expect(after.disputes.map((d) => [d.id, d.status, d.fundsWithdrawn]).sort()).toEqual(
      [
        [first.id, "lost", true],
        [second.id, "won", false],
      ].sort(),
    );
    const ledger = await getDb().collection(`bookings/${s.bookingId}/ledger`).get();
    expect(ledger.docs.map((d) => [String(d.get("kind")), Number(d.get("amountCents"))]).sort()).toEqual(
      [
        ["captured", 10_000],
        ["captured", 5_000],
        ["dispute-withdrawn", -10_000],
        ["dispute-withdrawn", -5_000],
        ["dispute-reinstated", 5_000],
      ].sort(),
    );
  });

  it("regression #16.4: a refund waits while any dispute of the booking is open, not only the latest one", async () => {
    const s = await paidBooking();
    await moveAndPay(standIns.stripe, SECRET, s, {
      offeringId: "deep",
      start: "2030-01-07T10:00:00.000Z",
      end: "2030-01-07T11:00:00.000Z",
    });
    const differencePi = (await booking(s.bookingId)).charges.find((c) => c.cause === "price-difference")?.paymentIntentId ?? "";
    const first = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await post("charge.dispute.created", first, s.deps);
    const second = structuredClone(standIns.stripe.openDispute(differencePi, { inquiry: true }));
    await post("charge.dispute.created", second, s.deps);
    await post("charge.dispute.closed", standIns.stripe.closeDispute(second.id, "won"), s.deps);

    s.clock.now = at(30);
    await cancelBooking({ bookingId: s.bookingId, reason: "Sick" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(standIns.stripe.refunds.size).toBe(0);
    expect(standIns.stripe.requests.filter((r) => r.path === "/v1/refunds" && r.method === "POST")).toHaveLength(0);

    await post("charge.dispute.closed", standIns.stripe.closeDispute(first.id, "won"), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ paymentStatus: "refunded", refundedCents: 15_000, disputedCents: 0 });
  });
});

describe("a cancellation while a dispute is open", () => {
  async function cancelledWhileDisputed() {
    const s = await paidBooking();
    const dispute = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await post("charge.dispute.created", dispute, s.deps);
    s.clock.now = at(30);
    const out = await cancelBooking({ bookingId: s.bookingId, reason: "I cannot give this session" }, s.coach, s.deps);
    expect(out).toMatchObject({ status: "cancelled", refundCents: 10_000, tier: "coach-cancellation" });
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "cancelled", paymentStatus: "paid", calcomStatus: "cancelled", refundedCents: 0 });
    expect(standIns.calcom.booking(after.calcomBookingUid ?? "")).toMatchObject({ status: "cancelled" });
    expect(await calendarOf(s.coachId)).toEqual([]);
    expect(standIns.stripe.refunds.size).toBe(0);
    return { ...s, dispute };
  }

  it("regression #16.13: is accepted, frees the calendar and cancels in Cal.com at once; the dispute won, the owed refund is made once", async () => {
    const s = await cancelledWhileDisputed();
    await post("charge.dispute.closed", standIns.stripe.closeDispute(s.dispute.id, "won"), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      disputedCents: 0,
    });
    expect([...standIns.stripe.refunds.values()].map((r) => r.amount)).toEqual([10_000]);
  });

  it("regression #16.13: the dispute lost, nothing more is refunded (the bank returned the money) and the ledger balances", async () => {
    const s = await cancelledWhileDisputed();
    await post("charge.dispute.closed", standIns.stripe.closeDispute(s.dispute.id, "lost"), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "paid",
      refundedCents: 0,
      disputedCents: 10_000,
    });
    expect(standIns.stripe.refunds.size).toBe(0);
    const ledger = await getDb().collection(`bookings/${s.bookingId}/ledger`).get();
    expect(ledger.docs.reduce((sum, d) => sum + Number(d.get("amountCents")), 0)).toBe(0);
  });
});
