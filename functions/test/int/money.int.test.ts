import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { coachStatement, quoteCancellation, quoteReschedule, saveCancellationPolicy } from "../../src/features/money/money.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { bookingDoc, coachDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { errorWithDetailsOf as errorOf } from "../helpers/errors.js";
import { testDependencies } from "../helpers/deps.js";
import { payAndConfirm, readyCoach, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();
const SECRET = "whsec_money_test";
const START = "2030-01-07T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (hoursBeforeStart: number, plusMs = 0) => new Date(Date.parse(START) - hoursBeforeStart * HOUR + plusMs);

async function coachWithTwoCurrencies() {
  const clock = { now: new Date() };
  const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => clock.now, stripeWebhookSecret: SECRET });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
  const coach = { uid: coachId, isAdmin: false };
  await saveOffering({ offering: { id: "deep", title: "Deep dive", durationMinutes: 60, priceCents: 15_000, currency: "eur" } }, coach);
  await saveOffering({ offering: { id: "usd", title: "In dollars", durationMinutes: 60, priceCents: 5_000, currency: "usd" } }, coach);
  await syncOfferingEventTypes(coachId, deps);
  return { deps, clock, coachId, coach, eventTypeId };
}

async function paid(s: Awaited<ReturnType<typeof coachWithTwoCurrencies>>, startTime = START, offeringId = "sixty") {
  const studentId = uniqueId("student");
  const student = { uid: studentId, isAdmin: false };
  const coach = (await coachDoc(s.coachId).get()).data();
  const eventTypeId = coach?.customOfferings.find((o) => o.id === offeringId)?.calcomEventTypeId ?? 0;
  const { bookingId } = await createBooking(
    {
      coachId: s.coachId,
      eventTypeId,
      offeringId,
      userId: studentId,
      startTime,
      endTime: new Date(Date.parse(startTime) + HOUR).toISOString(),
    },
    student,
    s.deps,
  );
  await payAndConfirm(bookingId, standIns.stripe, s.deps);
  const booking = (await bookingDoc(bookingId).get()).data();
  return { bookingId, student, pi: booking?.stripePaymentIntentId ?? "" };
}

async function postSigned(type: string, object: unknown, deps: ReturnType<typeof testDependencies>, eventId?: string) {
  const signed = standIns.stripe.signedEvent(type, object, SECRET, eventId ? { eventId } : {});
  const out = await handleStripeWebhook(
    {
      method: "POST",
      rawBody: Buffer.from(signed.rawBody),
      header: (n: string) => (n.toLowerCase() === "stripe-signature" ? signed.signature : undefined),
    } as never,
    deps,
  );
  return { ...out, eventId: signed.eventId };
}

describe("the policy frozen at booking", () => {
  it("refunds by the snapshot after the coach changes to 'no refunds'", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    const saved = await saveCancellationPolicy({ tiers: [{ minNoticeHours: 0, refundPercent: 0 }] }, s.coach);
    expect(saved.cancellationPolicy).toEqual({ version: 2, tiers: [{ minNoticeHours: 0, refundPercent: 0 }] });
    s.clock.now = at(30);
    const out = await cancelBooking({ bookingId: b.bookingId, reason: "Trip" }, b.student, s.deps);
    expect(out).toMatchObject({ refundCents: 10_000, tier: "notice-24h" });
    await runBookingEffects(b.bookingId, s.deps);
    expect((await bookingDoc(b.bookingId).get()).data()).toMatchObject({ refundedCents: 10_000, cancellationPolicy: { version: 1 } });
  });

  it("refuses a bad policy naming the tier", async () => {
    const s = await coachWithTwoCurrencies();
    const err = await errorOf(
      saveCancellationPolicy(
        {
          tiers: [
            { minNoticeHours: 24, refundPercent: 50 },
            { minNoticeHours: 2, refundPercent: 80 },
            { minNoticeHours: 0, refundPercent: 0 },
          ],
        },
        s.coach,
      ),
    );
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toContain("tier 2 (2 h notice) must not refund more than tier 1 (24 h notice)");
  });
});

describe("a quote before any money moves", () => {
  it("quotes 100 % at 24 h + 1 s, valid until exactly 24 h before; the same cancel refuses after the boundary and refunds before it", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    s.clock.now = at(24, -1_000);
    const quote = await quoteCancellation({ bookingId: b.bookingId }, b.student, s.deps);
    expect(quote).toMatchObject({
      refundCents: 10_000,
      currency: "eur",
      tier: "notice-24h",
      policyVersion: 1,
      quotedAt: at(24, -1_000).toISOString(),
      validUntil: at(24).toISOString(),
    });

    s.clock.now = at(24, 1);
    const before = (await bookingDoc(b.bookingId).get()).data();
    const err = await errorOf(
      cancelBooking({ bookingId: b.bookingId, reason: "Trip", expectedRefundCents: quote.refundCents }, b.student, s.deps),
    );
    expect(err.code).toBe("failed-precondition");
    expect(err.details?.quote).toMatchObject({ refundCents: 5_000, tier: "notice-2h", validUntil: at(2).toISOString() });
    expect((await bookingDoc(b.bookingId).get()).data()).toEqual(before);

    s.clock.now = at(24);
    const out = await cancelBooking({ bookingId: b.bookingId, reason: "Trip", expectedRefundCents: quote.refundCents }, b.student, s.deps);
    expect(out.refundCents).toBe(10_000);
    await runBookingEffects(b.bookingId, s.deps);
    expect((await bookingDoc(b.bookingId).get()).data()?.refundedCents).toBe(10_000);
  });

  it("quotes a dearer move at what the Checkout Session then charges", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    const move = {
      bookingId: b.bookingId,
      newStartTime: "2030-01-07T10:00:00.000Z",
      newEndTime: "2030-01-07T11:00:00.000Z",
      newOfferingId: "deep",
    };
    const quote = await quoteReschedule(move, b.student, s.deps);
    expect(quote).toMatchObject({ differenceCents: 5_000, kind: "charge", currency: "eur" });
    const out = await rescheduleBooking(
      { ...move, refundDifference: true, reason: "", expectedDifferenceCents: quote.differenceCents },
      b.student,
      s.deps,
    );
    const sessionId = (await bookingDoc(b.bookingId).get()).data()?.reschedule?.checkoutSessionId ?? "";
    expect(standIns.stripe.sessions.get(sessionId)?.amount_total).toBe(quote.differenceCents);
    expect(out.difference.amountCents).toBe(quote.differenceCents);
  });

  it("lets only the booking's people ask for a quote", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    expect((await errorOf(quoteCancellation({ bookingId: b.bookingId }, { uid: uniqueId("x"), isAdmin: false }, s.deps))).code).toBe(
      "permission-denied",
    );
    expect((await quoteCancellation({ bookingId: b.bookingId }, s.coach, s.deps)).tier).toBe("coach-cancellation");
  });
});

describe("disputes", () => {
  it("records a dispute, tells the coach, defers a cancellation's refund while it is open, and shows a lost one as a withdrawal, once", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    const dispute = standIns.stripe.openDispute(b.pi, { reason: "product_not_received" });
    const created = await postSigned("charge.dispute.created", dispute, s.deps);
    expect(created.body).toMatchObject({ outcome: "processed" });
    const again = await postSigned("charge.dispute.created", dispute, s.deps, created.eventId);
    expect(again.body).toMatchObject({ outcome: "duplicate" });
    const booking = (await bookingDoc(b.bookingId).get()).data();
    expect(booking).toMatchObject({
      status: "confirmed",
      disputedCents: 10_000,
      dispute: { id: dispute.id, amountCents: 10_000, reason: "product_not_received", status: "needs_response", fundsWithdrawn: true },
    });
    expect(booking?.dispute?.evidenceDueBy).toMatch(/Z$/);
    const note = await getDb().collection("notifications").doc(`${b.bookingId}_dispute-${dispute.id}_${s.coachId}`).get();
    expect(note.data()).toMatchObject({ recipientId: s.coachId, title: "A payment is disputed" });
    const audit = await getDb().collection(`bookings/${b.bookingId}/events`).where("type", "==", "dispute").get();
    expect(audit.size).toBe(1);

    s.clock.now = at(30);
    expect(await quoteCancellation({ bookingId: b.bookingId }, b.student, s.deps)).toMatchObject({
      refundCents: 10_000,
      refundWaitsFor: expect.stringContaining("This payment is disputed") as string,
      blockedBy: null,
    });
    await cancelBooking({ bookingId: b.bookingId, reason: "Never mind" }, b.student, s.deps);
    await runBookingEffects(b.bookingId, s.deps);
    expect((await bookingDoc(b.bookingId).get()).data()).toMatchObject({
      status: "cancelled",
      paymentStatus: "paid",
      calcomStatus: "cancelled",
    });
    expect(standIns.stripe.refunds.size).toBe(0);

    const closed = standIns.stripe.closeDispute(dispute.id, "lost");
    const first = await postSigned("charge.dispute.closed", closed, s.deps);
    await postSigned("charge.dispute.closed", closed, s.deps); // a second delivery, another event id
    expect(first.body).toMatchObject({ outcome: "processed" });
    // The cancellation kept everything while its refund waited: the fee recorded then goes back once nothing is kept.
    await runBookingEffects(b.bookingId, s.deps);
    const ledger = await getDb().collection(`bookings/${b.bookingId}/ledger`).get();
    expect(ledger.docs.map((d) => [String(d.get("kind")), Number(d.get("amountCents"))]).sort()).toEqual([
      ["captured", 10_000],
      ["dispute-withdrawn", -10_000],
      ["platform-fee", -1_500],
      ["platform-fee", 1_500],
    ]);
    expect((await bookingDoc(b.bookingId).get()).data()).toMatchObject({ disputedCents: 10_000, dispute: { status: "lost" } });
  });

  it("puts a won dispute's money back on the ledger, and lets refunds through again", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    const dispute = standIns.stripe.openDispute(b.pi);
    await postSigned("charge.dispute.created", dispute, s.deps);
    await postSigned("charge.dispute.closed", standIns.stripe.closeDispute(dispute.id, "won"), s.deps);
    expect((await bookingDoc(b.bookingId).get()).data()).toMatchObject({
      disputedCents: 0,
      dispute: { status: "won", fundsWithdrawn: false },
    });
    s.clock.now = at(30);
    await cancelBooking({ bookingId: b.bookingId, reason: "Trip" }, b.student, s.deps);
    await runBookingEffects(b.bookingId, s.deps);
    expect((await bookingDoc(b.bookingId).get()).data()).toMatchObject({ refundedCents: 10_000, paymentStatus: "refunded" });
  });
});

describe("coachStatement", () => {
  it("totals each currency from the ledgers, per booking and as CSV", async () => {
    const s = await coachWithTwoCurrencies();
    const eur = await paid(s, START, "sixty");
    const usd = await paid(s, "2030-01-07T11:00:00.000Z", "usd");
    s.clock.now = at(23);
    await cancelBooking({ bookingId: eur.bookingId, reason: "Ill" }, eur.student, s.deps);
    await runBookingEffects(eur.bookingId, s.deps);
    const statement = await coachStatement({ from: "2020-01-01T00:00:00.000Z", to: "2031-01-01T00:00:00.000Z" }, s.coach);
    expect(statement.totals).toMatchObject([
      { currency: "eur", capturedCents: 10_000, refundedCents: 5_000, disputedCents: 0, netCents: 5_000, feesCents: 750, heldCents: 4_250 },
      { currency: "usd", capturedCents: 5_000, refundedCents: 0, disputedCents: 0, netCents: 5_000, feesCents: 0, heldCents: 5_000 },
    ]);
    expect(statement.bookings.map((l) => [l.bookingId, l.currency, l.netCents]).sort()).toEqual(
      [
        [eur.bookingId, "eur", 5_000],
        [usd.bookingId, "usd", 5_000],
      ].sort(),
    );
    for (const line of statement.bookings) {
      const ledger = await getDb().collection(`bookings/${line.bookingId}/ledger`).get();
      // The ledger's sum is what the platform still holds for the coach.
      expect(ledger.docs.reduce((sum, d) => sum + Number(d.get("amountCents")), 0)).toBe(line.heldCents);
    }
    // The cancelled booking kept 50.00: settled, its 15 % fee recorded, the coach's 42.50 held (the coach has not onboarded).
    expect(statement.csv).toContain("TOTAL,eur,10000,5000,0,5000,750,4250,0,0,0,4250\n");
    expect(statement.csv).toContain("TOTAL,usd,5000,0,0,5000,0,5000,0,0,0,5000\n");
  });

  it("refuses another coach and a student", async () => {
    const s = await coachWithTwoCurrencies();
    const b = await paid(s);
    const other = await coachWithTwoCurrencies();
    const range = { from: "2020-01-01T00:00:00.000Z", to: "2021-01-01T00:00:00.000Z" };
    expect((await errorOf(coachStatement({ ...range, coachId: s.coachId }, other.coach))).code).toBe("permission-denied");
    expect((await errorOf(coachStatement(range, b.student))).code).toBe("permission-denied");
  });
});
