import { describe, expect, it } from "vitest";
import { completeSession } from "../../src/core/effects/attendance.js";
import { payOutDueSessions, runPayouts } from "../../src/core/effects/payouts.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { startPayoutOnboarding } from "../../src/features/payouts/payouts.service.js";
import { HOUR, nextSession, onboard as onboardCoach } from "../helpers/payouts.js";
import { coachDebtDoc, coachDoc } from "../../src/shared/firestore.js";
import { confirmedBooking, storedBooking, useStandIns, type ConfirmedBooking } from "../helpers/in-process.js";

const standIns = useStandIns();

const onboard = (s: ConfirmedBooking) => onboardCoach(standIns.stripe, s);

describe("payouts", () => {
  it("a coach onboards: account link, account.updated, payouts enabled", async () => {
    const s = await confirmedBooking(standIns);
    const accountId = await onboard(s);
    expect((await coachDoc(s.coachId).get()).data()?.payoutAccount).toMatchObject({
      accountId,
      payoutsEnabled: true,
      transfersActive: true,
    });
    // A second call gives a fresh link to the same account.
    expect((await startPayoutOnboarding(s.coach, s.deps)).accountId).toBe(accountId);
  });

  it("a 60.00 session at 15 % completes; after the hold 51.00 is transferred once, its charge as source", async () => {
    const s = await confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
    const accountId = await onboard(s);
    const end = Date.parse((await storedBooking(s.bookingId)).endTime);
    s.clock.now = new Date(end + 25 * HOUR);
    expect(await completeSession(s.bookingId, s.deps)).toBe("completed");
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "on-hold" });
    s.clock.now = new Date(end + 25 * HOUR + 48 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100, heldBy: null });
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0 });
    const transfers = [...standIns.stripe.transfers.values()].filter((t) => t.destination === accountId);
    expect(transfers.map((t) => t.amount)).toEqual([5_100]);
    expect(transfers[0]?.source_transaction).toMatch(/^ch_/);
    expect(transfers[0]?.transfer_group).toBe(s.bookingId);
    expect((await storedBooking(s.bookingId)).payout).toMatchObject({ feeCents: 900 });
    // The ledger: 60.00 in, 51.00 to the coach, 9.00 kept as the platform's fee, nothing left held.
    const { getDb } = await import("../../src/shared/firestore.js");
    const entries = (await getDb().collection(`bookings/${s.bookingId}/ledger`).get()).docs.map((d) => [
      String(d.get("kind")),
      Number(d.get("amountCents")),
    ]);
    expect(entries.sort()).toEqual(
      [
        ["captured", 6_000],
        ["platform-fee", -900],
        ["transfer", -5_100],
      ].sort(),
    );
  });

  it("a student's cancellation under 24 h keeps 30.00: the coach gets 25.50 after the scheduled end + the hold", async () => {
    const s = await confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
    await onboard(s);
    const b = await storedBooking(s.bookingId);
    s.clock.now = new Date(Date.parse(b.startTime) - 20 * HOUR);
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.student, s.deps);
    const { runBookingEffects } = await import("../../src/core/effects/runner.js");
    await runBookingEffects(s.bookingId, s.deps);
    expect((await storedBooking(s.bookingId)).refundedCents).toBe(3_000);
    s.clock.now = new Date(Date.parse(b.endTime) + 47 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "on-hold" });
    s.clock.now = new Date(Date.parse(b.endTime) + 48 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 2_550 });
  });

  it("no transfer to a coach who has not onboarded; made once they have", async () => {
    const s = await confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
    const end = Date.parse((await storedBooking(s.bookingId)).endTime);
    s.clock.now = new Date(end + 25 * HOUR);
    await completeSession(s.bookingId, s.deps);
    s.clock.now = new Date(end + 80 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "not-onboarded" });
    await onboard(s);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100 });
  });

  it("a reversal the coach's balance cannot cover becomes a debt, netted from their next transfer", async () => {
    const first = await confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
    const accountId = await onboard(first);
    const end = Date.parse((await storedBooking(first.bookingId)).endTime);
    first.clock.now = new Date(end + 80 * HOUR);
    await completeSession(first.bookingId, first.deps);
    first.clock.now = new Date(end + 160 * HOUR);
    expect(await runPayouts(first.bookingId, first.deps)).toMatchObject({ transferred: 5_100 });
    // The coach was paid out by Stripe: nothing left on their balance.
    standIns.stripe.setConnectedBalance(accountId, 0, "eur");
    // An admin refunds 20.00 after payout (a refund owed): the share falls by 17.00, which cannot be reversed.
    const { getDb, bookingDoc } = await import("../../src/shared/firestore.js");
    await getDb().runTransaction(async (tx) => {
      const b = (await tx.get(bookingDoc(first.bookingId))).data();
      if (!b) throw new Error("missing");
      const { patchBooking } = await import("../../src/core/bookings.repository.js");
      patchBooking(
        tx,
        first.bookingId,
        b,
        { refundsOwed: [{ key: "admin-goodwill", amountCents: 2_000, refundedCents: 0, cause: "admin" }] },
        first.clock.now,
      );
    });
    const { runBookingEffects } = await import("../../src/core/effects/runner.js");
    await runBookingEffects(first.bookingId, first.deps);
    expect((await storedBooking(first.bookingId)).refundedCents).toBe(2_000);
    // The booking's effects reversed it at once, as a debt: a later run has nothing left to do.
    expect(await runPayouts(first.bookingId, first.deps)).toMatchObject({ reversed: 0, debt: 0 });
    expect((await coachDebtDoc(first.coachId).get()).get("cents.eur")).toBe(1_700);
    expect(standIns.stripe.connectedBalance(accountId, "eur")).toBe(0);

    // The coach's next session: its 51.00 pays the 17.00 owed first, the rest is transferred.
    const bookingId = await nextSession(standIns.stripe, first, "2030-01-14T09:00:00.000Z");
    const secondEnd = Date.parse("2030-01-14T10:00:00.000Z");
    first.clock.now = new Date(secondEnd + 25 * HOUR);
    await completeSession(bookingId, first.deps);
    first.clock.now = new Date(secondEnd + 80 * HOUR);
    expect(await runPayouts(bookingId, first.deps)).toMatchObject({ transferred: 3_400, netted: 1_700 });
    expect((await coachDebtDoc(first.coachId).get()).get("cents.eur")).toBe(0);
    expect(await runPayouts(bookingId, first.deps)).toMatchObject({ transferred: 0, netted: 0 });
  });

  it("the sweep pays a completed session once its hold is over; a refund after payout is reversed by the booking's effects", async () => {
    const s = await confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
    const accountId = await onboard(s);
    const end = Date.parse((await storedBooking(s.bookingId)).endTime);
    s.clock.now = new Date(end + 25 * HOUR);
    await completeSession(s.bookingId, s.deps);
    s.clock.now = new Date(end + 25 * HOUR + 47 * HOUR);
    await payOutDueSessions(s.deps);
    expect((await storedBooking(s.bookingId)).payout?.transfers ?? []).toEqual([]);
    s.clock.now = new Date(end + 25 * HOUR + 48 * HOUR);
    await payOutDueSessions(s.deps);
    await payOutDueSessions(s.deps);
    expect([...standIns.stripe.transfers.values()].filter((t) => t.destination === accountId).map((t) => t.amount)).toEqual([5_100]);

    // An owed refund of 20.00 after payout: the coach's share falls by 17.00, reversed at once.
    const { getDb, bookingDoc } = await import("../../src/shared/firestore.js");
    const { patchBooking } = await import("../../src/core/bookings.repository.js");
    await getDb().runTransaction(async (tx) => {
      const b = (await tx.get(bookingDoc(s.bookingId))).data();
      if (!b) throw new Error("missing");
      patchBooking(
        tx,
        s.bookingId,
        b,
        { refundsOwed: [{ key: "goodwill", amountCents: 2_000, refundedCents: 0, cause: "admin" }] },
        s.clock.now,
      );
    });
    const { runBookingEffects } = await import("../../src/core/effects/runner.js");
    await runBookingEffects(s.bookingId, s.deps);
    const transfer = [...standIns.stripe.transfers.values()].find((t) => t.destination === accountId);
    expect(transfer?.amount_reversed).toBe(1_700);
    expect(standIns.stripe.connectedBalance(accountId, "eur")).toBe(3_400);
  });
});
