import { describe, expect, it } from "vitest";
import { getAvailableSlots } from "../../src/features/availability/availability.service.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.service.js";
import { quoteReschedule } from "../../src/features/money/money.service.js";
import { markEventTypesWanted, syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { handleCoachWritten } from "../../src/core/event-types/coach-written.js";
import { removeOffering, saveOffering } from "../../src/features/offerings/offerings.service.js";
import { reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { coachDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { confirmedBooking, storedBooking, useStandIns, type CalcomMode, type ConfirmedBooking } from "../helpers/in-process.js";

const standIns = useStandIns();
const HOUR = 3_600_000;
const sixty = { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 10_000, currency: "eur" };

async function offeringOf(coachId: string, id: string) {
  return (await coachDoc(coachId).get()).data()?.customOfferings.find((o) => o.id === id);
}

/** Moves the booking as its student within its offering by `hours`, checking the quote says the same. */
async function moveWithin(s: ConfirmedBooking, startTime: string) {
  const end = new Date(Date.parse(startTime) + HOUR).toISOString();
  const quote = await quoteReschedule({ bookingId: s.bookingId, newStartTime: startTime, newEndTime: end }, s.student, s.deps);
  expect(quote).toMatchObject({ newOfferingId: "sixty", differenceCents: 0, kind: "none" });
  const out = await rescheduleBooking(
    { bookingId: s.bookingId, newStartTime: startTime, newEndTime: end, refundDifference: true, reason: "" },
    s.student,
    s.deps,
  );
  expect(out).toMatchObject({ status: "rescheduled", difference: { kind: "none", amountCents: 0 }, startTime, endTime: end });
  await runBookingEffects(s.bookingId, s.deps);
  return storedBooking(s.bookingId);
}

describe.each(["organization", "connected"] as const)("a coach changes an offering while it is booked (%s mode)", (mode: CalcomMode) => {
  it("regression #17.1: after a change of price, currency or length a move within the offering costs nothing and keeps its length; another offering is priced as it is now", async () => {
    const s = await confirmedBooking(standIns, { mode, beside: { deep: 15_000 } });
    const firstEventType = s.eventTypeId;

    // Cheaper: a move would have refunded 65.00.
    await saveOffering({ offering: { ...sixty, priceCents: 3_500 } }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    await moveWithin(s, "2030-01-07T10:00:00.000Z");
    // Dearer, then another currency.
    await saveOffering({ offering: { ...sixty, priceCents: 90_000 } }, s.coach);
    await moveWithin(s, "2030-01-07T09:00:00.000Z");
    await saveOffering({ offering: { ...sixty, currency: "usd" } }, s.coach);
    await moveWithin(s, "2030-01-07T10:00:00.000Z");
    // Shorter: the offering gets a new event type; the booking keeps its own, at 60 minutes.
    await saveOffering({ offering: { ...sixty, durationMinutes: 30 } }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    const thirty = await offeringOf(s.coachId, "sixty");
    expect(thirty?.calcomEventTypeId).not.toBe(firstEventType);
    expect(standIns.calcom.eventType(firstEventType)).toMatchObject({ lengthInMinutes: 60 });
    // Its slots: the offering's event type is no longer its own; asked for the booking, 60-minute
    // slots of its own event type, its own time free to move within.
    const range = { coachId: s.coachId, dateFrom: "2030-01-07", dateTo: "2030-01-07", timeZone: "UTC" };
    await expect(getAvailableSlots({ ...range, eventTypeId: firstEventType }, s.student, s.deps)).rejects.toMatchObject({
      code: "offering/not-found",
    });
    const own = await getAvailableSlots({ ...range, eventTypeId: firstEventType, bookingId: s.bookingId }, s.student, s.deps);
    expect(own.slots.map((x) => [x.start, x.end])).toEqual([
      ["2030-01-07T08:00:00.000Z", "2030-01-07T09:00:00.000Z"],
      ["2030-01-07T09:00:00.000Z", "2030-01-07T10:00:00.000Z"],
      ["2030-01-07T10:00:00.000Z", "2030-01-07T11:00:00.000Z"],
      ["2030-01-07T11:00:00.000Z", "2030-01-07T12:00:00.000Z"],
    ]);
    const stranger = { uid: uniqueId("student"), isAdmin: false };
    await expect(
      getAvailableSlots({ ...range, eventTypeId: firstEventType, bookingId: s.bookingId }, stranger, s.deps),
    ).rejects.toMatchObject({ code: "booking/not-found" });
    const moved = await moveWithin(s, "2030-01-07T08:00:00.000Z");
    expect(moved).toMatchObject({
      calcomEventTypeId: firstEventType,
      priceCents: 10_000,
      amountCents: 10_000,
      refundedCents: 0,
      startTime: "2030-01-07T08:00:00.000Z",
      endTime: "2030-01-07T09:00:00.000Z",
    });
    const inCalcom = standIns.calcom.booking(moved.calcomBookingUid ?? "");
    expect(inCalcom).toMatchObject({ status: "accepted", start: "2030-01-07T08:00:00.000Z", end: "2030-01-07T09:00:00.000Z" });
    expect([...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === s.paymentIntentId)).toEqual([]);

    // Another offering: its current price against what was paid (150.00 − 100.00).
    const toDeep = {
      bookingId: s.bookingId,
      newStartTime: "2030-01-07T10:00:00.000Z",
      newEndTime: "2030-01-07T11:00:00.000Z",
      newOfferingId: "deep",
    };
    await expect(quoteReschedule(toDeep, s.student, s.deps)).resolves.toMatchObject({ differenceCents: 5_000, kind: "charge" });
    await expect(rescheduleBooking({ ...toDeep, refundDifference: true, reason: "" }, s.student, s.deps)).resolves.toMatchObject({
      status: "awaiting-payment",
      difference: { kind: "charge", amountCents: 5_000 },
    });
  });

  it("regression #17.4: removing an offering with a live booking archives it: the booking still moves and cancels, its event type stays until it ends, a new booking is refused, and re-adding the id never rebinds it", async () => {
    const s = await confirmedBooking(standIns, { mode });
    await expect(removeOffering({ offeringId: "sixty" }, s.coach, s.deps)).resolves.toEqual({
      offeringId: "sixty",
      removed: true,
      liveBookings: 1,
    });
    await handleCoachWritten(s.coachId, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeDefined();
    const other = { uid: uniqueId("student"), isAdmin: false };
    await expect(
      createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.eventTypeId,
          offeringId: "sixty",
          userId: other.uid,
          startTime: "2030-01-07T11:00:00.000Z",
          endTime: "2030-01-07T12:00:00.000Z",
        },
        other,
        s.deps,
      ),
    ).rejects.toMatchObject({ code: "offering/not-found" });

    await moveWithin(s, "2030-01-07T10:00:00.000Z");

    // Added again, at another price: its own event type; the old booking keeps its own and its price.
    await saveOffering({ offering: { ...sixty, priceCents: 5_000 } }, s.coach);
    await handleCoachWritten(s.coachId, s.deps);
    const readded = await offeringOf(s.coachId, "sixty");
    expect(readded?.calcomEventTypeId).not.toBe(s.eventTypeId);
    const moved = await moveWithin(s, "2030-01-07T09:00:00.000Z");
    expect(moved).toMatchObject({ calcomEventTypeId: s.eventTypeId, priceCents: 10_000 });

    // Cancelled by the coach: a full refund; the old event type goes once nothing needs it.
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await storedBooking(s.bookingId)).toMatchObject({ status: "cancelled", refundedCents: 10_000, calcomStatus: "cancelled" });
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeDefined();
    const run = await reconcileRecent({ dryRun: false }, s.deps);
    expect(run.eventTypeSyncs).toContain(s.coachId);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeUndefined();
    expect(standIns.calcom.eventType(readded?.calcomEventTypeId ?? 0)).toBeDefined();
    expect((await reconcileRecent({ dryRun: false }, s.deps)).eventTypeSyncs).not.toContain(s.coachId);
  });

  it("regression #17.6: a slot interval set back to none reaches Cal.com as one slot per session length", async () => {
    const s = await confirmedBooking(standIns, { mode });
    await saveSchedulingLimits({ limits: { slotIntervalMinutes: 15 } }, s.coach);
    await handleCoachWritten(s.coachId, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)?.slotInterval).toBe(15);
    await saveSchedulingLimits({ limits: { slotIntervalMinutes: null } }, s.coach);
    await handleCoachWritten(s.coachId, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)?.slotInterval).toBe(60);
  });

  it("regression #17.7: two quick saves by one coach leave Cal.com with the later configuration", async () => {
    const s = await confirmedBooking(standIns, { mode });
    // The first save's sync is slow at Cal.com; the second save's sync starts meanwhile.
    await saveOffering({ offering: { ...sixty, title: "First" } }, s.coach);
    standIns.calcom.delayNext(1, 300);
    const first = handleCoachWritten(s.coachId, s.deps);
    await new Promise((r) => setTimeout(r, 50));
    await saveOffering({ offering: { ...sixty, title: "Second" } }, s.coach);
    const second = handleCoachWritten(s.coachId, s.deps);
    const settled = await Promise.allSettled([first, second]);
    // A run refused by the lease is retried by the queue.
    for (const r of settled) if (r.status === "rejected") await handleCoachWritten(s.coachId, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)?.title).toBe("Second");
  });
});

describe("a sync the queue gave up on", () => {
  it("regression #17.5: is found by reconciliation and run again", async () => {
    const s = await confirmedBooking(standIns, {});
    // As the trigger does before it enqueues the sync.
    await markEventTypesWanted(s.coachId, s.deps.now());
    await saveOffering({ offering: { ...sixty, title: "Renamed" } }, s.coach);
    // Every automatic attempt failed (Cal.com down), so the queue dropped the task.
    standIns.calcom.failNext(4, 503);
    await expect(handleCoachWritten(s.coachId, s.deps)).rejects.toMatchObject({ code: "upstream/unavailable" });
    expect(standIns.calcom.eventType(s.eventTypeId)?.title).toBe("60 min");
    const run = await reconcileRecent({ dryRun: false }, s.deps);
    expect(run.eventTypeSyncs).toContain(s.coachId);
    expect(standIns.calcom.eventType(s.eventTypeId)?.title).toBe("Renamed");
    expect((await getDb().collection("eventTypeSyncs").doc(s.coachId).get()).get("behind")).toBe(false);
  });
});
