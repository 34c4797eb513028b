import { describe, expect, it } from "vitest";
import { completeDueSessions } from "../../src/core/effects/attendance.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { completeBooking, markNoShow, resolveNoShow } from "../../src/features/attendance/attendance.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { adminAlertDoc, bookingEventsCollection } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { expectAppError } from "../helpers/errors.js";
import { confirmedBooking, useStandIns, storedBooking as booking, type ConfirmedBooking } from "../helpers/in-process.js";

const standIns = useStandIns();

const START = "2030-01-07T09:00:00.000Z";
const END = "2030-01-07T10:00:00.000Z";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const afterStart = (minutes: number) => new Date(Date.parse(START) + minutes * MINUTE);
/** The end of the default 24 h grace period. */
const GRACE_ENDS = new Date(Date.parse(END) + 24 * HOUR);
const admin = { uid: uniqueId("admin"), isAdmin: true };

const refundsOf = (paymentIntentId: string | null) =>
  [...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId).map((r) => r.amount);

async function sweepAt(s: ConfirmedBooking, when: Date) {
  s.clock.now = when;
  return completeDueSessions(s.deps);
}

describe("a session ends", () => {
  it("becomes completed once its grace period is over, and not before", async () => {
    const s = await confirmedBooking(standIns);
    await sweepAt(s, new Date(GRACE_ENDS.getTime() - 1));
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid", attendance: null });
    const counts = await sweepAt(s, GRACE_ENDS);
    expect(counts.completed).toBeGreaterThanOrEqual(1);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "completed", paymentStatus: "paid", refundedCents: 0 });
    expect(after.attendance).toMatchObject({ outcome: "attended", decidedBy: "completion" });
    expect(refundsOf(s.paymentIntentId)).toEqual([]);
    // A second sweep changes nothing.
    await sweepAt(s, new Date(GRACE_ENDS.getTime() + HOUR));
    expect((await booking(s.bookingId)).updatedAt).toBe(after.updatedAt);
  });

  it("can be completed early by an admin after its start, never before it, and by nobody else", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = new Date(Date.parse(START) - MINUTE);
    await expectAppError(completeBooking({ bookingId: s.bookingId }, admin, s.deps), "booking/not-started");
    s.clock.now = afterStart(70);
    await expectAppError(completeBooking({ bookingId: s.bookingId }, s.coach, s.deps), "auth/permission-denied");
    const out = await completeBooking({ bookingId: s.bookingId }, admin, s.deps);
    expect(out).toMatchObject({ status: "completed", paymentStatus: "paid", outcome: "attended" });
    expect(await completeBooking({ bookingId: s.bookingId }, admin, s.deps)).toEqual(out);
  });

  it("can no longer be cancelled once completed, by anyone", async () => {
    const s = await confirmedBooking(standIns);
    await sweepAt(s, GRACE_ENDS);
    for (const who of [s.student, s.coach, admin])
      await expectAppError(cancelBooking({ bookingId: s.bookingId, reason: "Late" }, who, s.deps), "booking/already-settled");
    expect(await booking(s.bookingId)).toMatchObject({ status: "completed", paymentStatus: "paid" });
  });
});

describe("no-shows", () => {
  it("refuses a mark before the start with a clear error, and one after the grace period", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = new Date(Date.parse(START) - MINUTE);
    const early = await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "student" }, s.coach, s.deps), "booking/not-started");
    expect(early.message).toContain("once the session has started");
    s.clock.now = GRACE_ENDS;
    await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.student, s.deps), "booking/already-settled");
    expect((await booking(s.bookingId)).attendance).toBeNull();
  });

  it("lets only the session's two sides mark, a student only the coach", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = afterStart(15);
    const stranger = { uid: uniqueId("stranger"), isAdmin: false };
    await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "coach" }, stranger, s.deps), "auth/permission-denied");
    await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "student" }, admin, s.deps), "auth/permission-denied");
    await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "student" }, s.student, s.deps), "request/invalid");
  });

  it("keeps the payment of a student the coach marked absent after the start", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = afterStart(15);
    const out = await markNoShow({ bookingId: s.bookingId, absent: "student" }, s.coach, s.deps);
    expect(out).toMatchObject({ status: "confirmed", coachMark: { absent: "student", via: "app" }, outcome: null });
    // Marked twice: nothing new.
    await markNoShow({ bookingId: s.bookingId, absent: "student" }, s.coach, s.deps);
    expect((await booking(s.bookingId)).attendance?.revision).toBe(1);
    await sweepAt(s, GRACE_ENDS);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "no-show", paymentStatus: "paid", refundedCents: 0 });
    expect(after.attendance).toMatchObject({ outcome: "student-absent", decidedBy: "completion" });
    expect(refundsOf(s.paymentIntentId)).toEqual([]);
  });

  it("refunds in full a coach no-show the student reported and the coach agreed to, once", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = afterStart(20);
    await markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.student, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid" });
    const agreed = await markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.coach, s.deps);
    expect(agreed).toMatchObject({ status: "no-show", outcome: "coach-absent" });
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "no-show", paymentStatus: "refunded", refundedCents: 10_000, refundsOwed: [] });
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
    await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "student" }, s.coach, s.deps), "booking/already-settled");
    await sweepAt(s, GRACE_ENDS);
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });

  it("sends marks that disagree to an admin, holds completion, and refunds in full when the admin finds the coach absent", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = afterStart(10);
    await markNoShow({ bookingId: s.bookingId, absent: "student" }, s.coach, s.deps);
    const contested = await markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.student, s.deps);
    expect(contested).toMatchObject({ status: "confirmed", awaitingAdmin: true, outcome: null });
    expect((await adminAlertDoc(`${s.bookingId}_no-show`).get()).data()).toMatchObject({ kind: "no-show", resolvedAt: null });
    // Marks are frozen while an admin decides; completion waits.
    await expectAppError(markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.coach, s.deps), "booking/already-settled");
    await sweepAt(s, GRACE_ENDS);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid" });
    await expectAppError(completeBooking({ bookingId: s.bookingId }, admin, s.deps), "booking/no-show-open");
    await expectAppError(
      resolveNoShow({ bookingId: s.bookingId, outcome: "coach-absent", reason: "Video logs" }, s.coach, s.deps),
      "auth/permission-denied",
    );
    const out = await resolveNoShow({ bookingId: s.bookingId, outcome: "coach-absent", reason: "Video logs" }, admin, s.deps);
    expect(out).toMatchObject({ status: "no-show", outcome: "coach-absent", awaitingAdmin: false });
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "no-show", paymentStatus: "refunded", refundedCents: 10_000 });
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
    expect((await adminAlertDoc(`${s.bookingId}_no-show`).get()).data()?.resolvedAt).not.toBeNull();
    const events = (await bookingEventsCollection(s.bookingId).get()).docs.map((d) => String(d.get("type")));
    expect(events).toEqual(expect.arrayContaining(["absence-marked", "attendance-awaiting-admin", "attendance-decided", "refunded"]));
  });

  it("hands a report the coach never answered to an admin at completion time; the admin may find the session took place", async () => {
    const s = await confirmedBooking(standIns);
    s.clock.now = afterStart(30);
    await markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.student, s.deps);
    const counts = await sweepAt(s, GRACE_ENDS);
    expect(counts.awaitingAdmin).toBeGreaterThanOrEqual(1);
    expect((await booking(s.bookingId)).attendance?.awaitingAdminSince).toBe(GRACE_ENDS.toISOString());
    const out = await resolveNoShow({ bookingId: s.bookingId, outcome: "attended", reason: "Coach showed logs" }, admin, s.deps);
    expect(out).toMatchObject({ status: "completed", paymentStatus: "paid", outcome: "attended" });
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOf(s.paymentIntentId)).toEqual([]);
  });

  it("refunds a coach no-show only what was not refunded already (a cheaper move's refund counts)", async () => {
    const s = await confirmedBooking(standIns, { beside: { thirty: 4_000 } });
    s.clock.now = new Date(Date.parse(START) - 72 * HOUR);
    const { rescheduleBooking } = await import("../../src/features/reschedules/reschedules.service.js");
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: "2030-01-07T10:00:00.000Z",
        newEndTime: "2030-01-07T10:30:00.000Z",
        newOfferingId: "thirty",
        refundDifference: true,
        reason: "",
      },
      s.student,
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ refundedCents: 6_000, reschedule: null });
    s.clock.now = afterStart(65);
    await markNoShow({ bookingId: s.bookingId, absent: "coach" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "no-show", paymentStatus: "refunded", refundedCents: 10_000 });
    expect(refundsOf(s.paymentIntentId).sort()).toEqual([4_000, 6_000]);
  });
});
