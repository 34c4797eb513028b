import { describe, expect, it } from "vitest";
import { completeSession } from "../../src/core/effects/attendance.js";
import { payOutDueSessions, runPayouts } from "../../src/core/effects/payouts.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { markNoShow, resolveNoShow } from "../../src/features/attendance/attendance.service.js";
import { cancelBooking, refundSession } from "../../src/features/cancellations/cancellations.service.js";
import { coachDebtDoc, getDb, notificationsCollection } from "../../src/shared/firestore.js";
import { expectAppError } from "../helpers/errors.js";
import { confirmedBooking, postSignedStripe, storedBooking, useStandIns, type ConfirmedBooking } from "../helpers/in-process.js";
import { HOUR, completedPastHold, dyingAfterTransfer, deliverHeld, nextSession, onboard, transfersOf } from "../helpers/payouts.js";

const standIns = useStandIns();
const SECRET = "whsec_test_x";
const sixty = () => confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
const post = (s: ConfirmedBooking, type: string, object: unknown) => postSignedStripe(standIns.stripe, SECRET, type, object, s.deps);

/** A booking's ledger summed by kind. */
async function ledger(bookingId: string): Promise<Record<string, number>> {
  const docs = (await getDb().collection(`bookings/${bookingId}/ledger`).get()).docs;
  const out: Record<string, number> = { total: 0 };
  for (const d of docs) {
    const kind = String(d.get("kind"));
    const cents = Number(d.get("amountCents"));
    out[kind] = (out[kind] ?? 0) + cents;
    out.total = (out.total ?? 0) + cents;
  }
  return out;
}

/** A sixty-minute session of 60.00 at 15 %, completed and paid out: 51.00 to the coach. */
async function paidOut() {
  const s = await sixty();
  const accountId = await onboard(standIns.stripe, s);
  await completedPastHold(s);
  expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100 });
  return { s, accountId };
}

describe("money after the payout follows it to the coach", () => {
  it("a coach cancels after payout (refundSession): the student is refunded in full and the whole transfer reversed", async () => {
    const { s, accountId } = await paidOut();
    // A session that ended is not cancelled: cancelBooking says what to do instead.
    await expect(cancelBooking({ bookingId: s.bookingId, reason: "Oops" }, s.coach, s.deps)).rejects.toMatchObject({
      code: "booking/already-settled",
    });
    await expectAppError(refundSession({ bookingId: s.bookingId, reason: "Mine" }, s.student, s.deps), "auth/permission-denied");
    const out = await refundSession({ bookingId: s.bookingId, reason: "The call kept dropping" }, s.coach, s.deps);
    expect(out).toMatchObject({ refundCents: 6_000, refundedBy: "coach" });
    // Twice: the same answer, nothing more owed.
    expect(await refundSession({ bookingId: s.bookingId, reason: "Again" }, s.coach, s.deps)).toEqual(out);
    await runBookingEffects(s.bookingId, s.deps);
    const after = await storedBooking(s.bookingId);
    expect(after).toMatchObject({ status: "completed", paymentStatus: "refunded", refundedCents: 6_000 });
    const [transfer] = transfersOf(standIns.stripe, s.bookingId);
    expect(transfer).toMatchObject({ amount: 5_100, amount_reversed: 5_100 });
    expect(standIns.stripe.connectedBalance(accountId, "eur")).toBe(0);
    expect(after.payout?.feeCents).toBe(0);
    // The coach was told of the payout and of its reversal.
    const told = await notificationsCollection().where("bookingId", "==", s.bookingId).where("topic", "==", "payout").get();
    expect(told.docs.map((d) => [d.data().recipientId, d.data().title, d.data().amount?.amountCents]).sort()).toEqual(
      [
        [s.coachId, "Paid out", 5_100],
        [s.coachId, "Payout taken back", 5_100],
      ].sort(),
    );
    expect(await ledger(s.bookingId)).toMatchObject({
      captured: 6_000,
      refunded: -6_000,
      transfer: -5_100,
      "transfer-reversal": 5_100,
      "platform-fee": 0,
      total: 0,
    });
    // Once refunded, an admin's call answers the same: nothing more is owed.
    expect(await refundSession({ bookingId: s.bookingId, reason: "x" }, { uid: "admin", isAdmin: true }, s.deps)).toEqual(out);
    expect((await storedBooking(s.bookingId)).refundsOwed).toEqual([]);
  });

  it("a dispute lost after payout reverses the coach's share", async () => {
    const { s, accountId } = await paidOut();
    const dispute = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await post(s, "charge.dispute.created", dispute);
    await runBookingEffects(s.bookingId, s.deps);
    // Open: nothing is taken back yet (the dispute may be won).
    expect(transfersOf(standIns.stripe, s.bookingId)[0]?.amount_reversed).toBe(0);
    await post(s, "charge.dispute.closed", standIns.stripe.closeDispute(dispute.id, "lost"));
    await runBookingEffects(s.bookingId, s.deps);
    expect(transfersOf(standIns.stripe, s.bookingId)[0]).toMatchObject({ amount: 5_100, amount_reversed: 5_100 });
    expect(standIns.stripe.connectedBalance(accountId, "eur")).toBe(0);
    expect(await ledger(s.bookingId)).toMatchObject({ "dispute-withdrawn": -6_000, "transfer-reversal": 5_100, total: 0 });
  });

  it("a dispute lost after payout the coach's balance cannot cover: a debt, netted from their next transfer", async () => {
    const { s, accountId } = await paidOut();
    standIns.stripe.setConnectedBalance(accountId, 0, "eur");
    const dispute = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await post(s, "charge.dispute.created", dispute);
    await post(s, "charge.dispute.closed", standIns.stripe.closeDispute(dispute.id, "lost"));
    await runBookingEffects(s.bookingId, s.deps);
    expect(transfersOf(standIns.stripe, s.bookingId)[0]?.amount_reversed).toBe(0);
    expect((await coachDebtDoc(s.coachId).get()).get("cents.eur")).toBe(5_100);
    expect(await ledger(s.bookingId)).toMatchObject({ "coach-debt": 5_100, total: 0 });

    // The coach's next two sessions: the first's 51.00 all goes to the debt, the second is transferred.
    const next = async (startTime: string) => {
      const bookingId = await nextSession(standIns.stripe, s, startTime);
      await completedPastHold({ ...s, bookingId });
      return { bookingId, run: await runPayouts(bookingId, s.deps) };
    };
    const second = await next("2030-02-04T09:00:00.000Z");
    expect(second.run).toMatchObject({ transferred: 0, netted: 5_100 });
    expect(transfersOf(standIns.stripe, second.bookingId)).toEqual([]);
    expect(await ledger(second.bookingId)).toMatchObject({ "coach-debt": -5_100, "platform-fee": -900, total: 0 });
    expect((await coachDebtDoc(s.coachId).get()).get("cents.eur")).toBe(0);
    const third = await next("2030-02-11T09:00:00.000Z");
    expect(third.run).toMatchObject({ transferred: 5_100, netted: 0 });
  });

  it("no transfer while a dispute is open; made once it is won", async () => {
    const s = await sixty();
    await onboard(standIns.stripe, s);
    const end = Date.parse((await storedBooking(s.bookingId)).endTime);
    s.clock.now = new Date(end + 25 * HOUR);
    await completeSession(s.bookingId, s.deps);
    const dispute = structuredClone(standIns.stripe.openDispute(s.paymentIntentId));
    await post(s, "charge.dispute.created", dispute);
    s.clock.now = new Date(end + 100 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "dispute-open" });
    expect((await storedBooking(s.bookingId)).payout?.heldBy).toBe("dispute-open");
    await post(s, "charge.dispute.closed", standIns.stripe.closeDispute(dispute.id, "won"));
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100, heldBy: null });
  });

  it("no transfer while a no-show claim is open; made after the admin's decision and its hold", async () => {
    const s = await sixty();
    await onboard(standIns.stripe, s);
    const b = await storedBooking(s.bookingId);
    const end = Date.parse(b.endTime);
    s.clock.now = new Date(Date.parse(b.startTime) + 20 * 60_000);
    await markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.student, s.deps);
    s.clock.now = new Date(end + 25 * HOUR);
    await completeSession(s.bookingId, s.deps);
    expect((await storedBooking(s.bookingId)).attendance?.awaitingAdminSince).not.toBeNull();
    s.clock.now = new Date(end + 200 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: null });
    expect(transfersOf(standIns.stripe, s.bookingId)).toEqual([]);
    await resolveNoShow(
      { bookingId: s.bookingId, outcome: "attended", reason: "The recording shows both" },
      { uid: "admin", isAdmin: true },
      s.deps,
    );
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "on-hold" });
    s.clock.now = new Date(end + 249 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100 });
  });

  it("none to a coach whose payouts Stripe disabled; made when they are enabled again", async () => {
    const s = await sixty();
    const accountId = await onboard(standIns.stripe, s);
    standIns.stripe.holdWebhooks();
    standIns.stripe.disablePayouts(accountId, "requirements.past_due");
    await deliverHeld(standIns.stripe, s.deps);
    await completedPastHold(s);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "payouts-disabled" });
    standIns.stripe.holdWebhooks();
    standIns.stripe.completeOnboarding(accountId);
    await deliverHeld(standIns.stripe, s.deps);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100, heldBy: null });
  });

  it("a coach who onboards months after the session is still paid by the sweep", async () => {
    const s = await sixty();
    await completedPastHold(s);
    await payOutDueSessions(s.deps);
    expect((await storedBooking(s.bookingId)).payout?.heldBy).toBe("not-onboarded");
    s.clock.now = new Date(s.clock.now.getTime() + 90 * 24 * HOUR);
    await payOutDueSessions(s.deps);
    expect(transfersOf(standIns.stripe, s.bookingId)).toEqual([]);
    await onboard(standIns.stripe, s);
    await payOutDueSessions(s.deps);
    expect(transfersOf(standIns.stripe, s.bookingId).map((t) => t.amount)).toEqual([5_100]);
  });

  it("a run that dies after Stripe made the transfer, before recording it, never pays twice", async () => {
    const s = await sixty();
    const accountId = await onboard(standIns.stripe, s);
    await completedPastHold(s);
    await expect(runPayouts(s.bookingId, await dyingAfterTransfer(s.deps))).rejects.toThrow("died");
    expect((await storedBooking(s.bookingId)).payout?.pending).toHaveLength(1);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100 });
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0 });
    expect(transfersOf(standIns.stripe, s.bookingId).map((t) => [t.destination, t.amount])).toEqual([[accountId, 5_100]]);
    expect((await storedBooking(s.bookingId)).payout?.pending).toEqual([]);
    expect(await ledger(s.bookingId)).toMatchObject({ transfer: -5_100, total: 0 });
  });
});
