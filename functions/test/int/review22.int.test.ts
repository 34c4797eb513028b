import { describe, expect, it } from "vitest";
import { runPayouts } from "../../src/core/effects/payouts.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { refundSession } from "../../src/features/cancellations/cancellations.service.js";
import { confirmedBooking, storedBooking, useStandIns } from "../helpers/in-process.js";
import { HOUR, completedPastHold, dyingAfterTransfer, onboard, transfersOf } from "../helpers/payouts.js";

const standIns = useStandIns();
const sixty = () => confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" } });
const paidTo = (bookingId: string) => transfersOf(standIns.stripe, bookingId).reduce((s, t) => s + t.amount - t.amount_reversed, 0);

describe("review #22: payouts under races, late answers and owed refunds", () => {
  it("two payout runs at once (the sweep and an admin's payOutBooking) transfer the coach's share once, and leave nothing pending", async () => {
    const s = await sixty();
    await onboard(standIns.stripe, s);
    await completedPastHold(s);
    // Each run read the booking before the others recorded their intent: a second intent for the
    // same share was recorded, Stripe refused it (more than the charge has left), and every later
    // run threw on it, so nothing (a reversal after a refund included) ever ran for the booking.
    await Promise.allSettled([runPayouts(s.bookingId, s.deps), runPayouts(s.bookingId, s.deps), runPayouts(s.bookingId, s.deps)]);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: null });
    expect((await storedBooking(s.bookingId)).payout?.pending).toEqual([]);
    expect(transfersOf(standIns.stripe, s.bookingId).map((t) => t.amount)).toEqual([5_100]);
  });

  it("a session its coach refunded is not paid out while the student's refund is still owed", async () => {
    const s = await sixty();
    await onboard(standIns.stripe, s);
    await completedPastHold(s);
    // The refund fails at Stripe for now: the obligation stays open.
    standIns.stripe.failNext(20, 500, "POST /v1/refunds");
    await refundSession({ bookingId: s.bookingId, reason: "The call kept dropping" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect((await storedBooking(s.bookingId)).refundsOwed).toHaveLength(1);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 0, heldBy: "refund-owed" });
    expect(paidTo(s.bookingId)).toBe(0);
    standIns.stripe.clearFaults();
  });

  it("a transfer intent left pending past Stripe's 24 h idempotency window is not made a second time", async () => {
    const s = await sixty();
    await onboard(standIns.stripe, s);
    await completedPastHold(s);
    await expect(runPayouts(s.bookingId, await dyingAfterTransfer(s.deps))).rejects.toThrow("died");
    expect((await storedBooking(s.bookingId)).payout?.pending).toHaveLength(1);
    // The next run comes after Stripe forgot the key (the sweep failed for a day, say).
    standIns.stripe.forgetIdempotencyKeys();
    s.clock.now = new Date(s.clock.now.getTime() + 25 * HOUR);
    expect(await runPayouts(s.bookingId, s.deps)).toMatchObject({ transferred: 5_100 });
    expect(transfersOf(standIns.stripe, s.bookingId).map((t) => t.amount)).toEqual([5_100]);
    expect((await storedBooking(s.bookingId)).payout?.pending).toEqual([]);
  });
});
