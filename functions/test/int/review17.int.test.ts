import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { eventTypeSlug, resyncOutstandingEventTypes, syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { removeOffering, saveOffering } from "../../src/features/offerings/offerings.service.js";
import { reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { coachDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { clearDatabase } from "../helpers/fingerprint.js";
import { confirmedBooking, payAndConfirm, storedBooking, useStandIns } from "../helpers/in-process.js";

// Found by the adversarial review of #17: sequences by a careless coach and a Cal.com that answers
// late or not at all. Each failed before its fix.

const standIns = useStandIns();
const sixty = { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 10_000, currency: "eur" };

async function offeringOf(coachId: string, id: string) {
  return (await coachDoc(coachId).get()).data()?.customOfferings.find((o) => o.id === id);
}

describe("a coach's changes meeting a Cal.com that answers late or not at all (#17 review)", () => {
  it("regression #17 review 1: back in a Cal.com account whose old event types were not yet removed, they are removed first, never adopted and then deleted under a live booking", async () => {
    const { calcom, stripe } = standIns;
    const deps = testDependencies(calcom, { stripe });
    const coachId = uniqueId("coach");
    const coach = { uid: coachId, isAdmin: false };
    const first = calcom.addUser({ email: `${coachId}@example.com`, timeZone: "UTC" });
    await connectCalcomAccount({ apiKey: first.apiKey }, coach, deps);
    await syncAvailability(
      { coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } },
      coach,
      deps,
    );
    await saveOffering({ offering: sixty }, coach);
    await syncOfferingEventTypes(coachId, deps);
    const oldEventType = (await offeringOf(coachId, "sixty"))?.calcomEventTypeId ?? 0;

    // Nothing live: the coach tries another account; Cal.com is down when we remove the old event type.
    const second = calcom.addUser({ email: `${uniqueId("other")}@example.com`, timeZone: "UTC" });
    calcom.failNext(20, 503, "deleteEventType");
    await connectCalcomAccount({ apiKey: second.apiKey }, coach, deps);
    calcom.clearFaults();
    await syncAvailability(
      { coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } },
      coach,
      deps,
    );
    await syncOfferingEventTypes(coachId, deps);

    // ... and comes back to the first account (still nothing live).
    await connectCalcomAccount({ apiKey: first.apiKey }, coach, deps);
    await syncAvailability(
      { coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } },
      coach,
      deps,
    );
    await syncOfferingEventTypes(coachId, deps);
    const current = (await offeringOf(coachId, "sixty"))?.calcomEventTypeId ?? 0;
    expect(calcom.eventType(current)?.ownerId).toBe(first.userId);

    // A student books it and pays.
    const student = { uid: uniqueId("student"), isAdmin: false };
    const { bookingId } = await createBooking(
      {
        coachId,
        eventTypeId: current,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-01-07T09:00:00.000Z",
        endTime: "2030-01-07T10:00:00.000Z",
      },
      student,
      deps,
    );
    await payAndConfirm(bookingId, stripe, deps);
    expect(await storedBooking(bookingId)).toMatchObject({ status: "confirmed", calcomEventTypeId: current });

    // The old one was removed when the coach came back; the sync made a new one.
    expect(current).not.toBe(oldEventType);
    expect(calcom.eventType(oldEventType)).toBeUndefined();
    await reconcileRecent({ dryRun: false }, deps);
    // The offering's current event type, holding a confirmed booking, still exists.
    expect(calcom.eventType(current)).toBeDefined();
  });

  it("regression #17 review 2: a new length's event type whose create answer was lost is found and deleted once the length is set back", async () => {
    const s = await confirmedBooking(standIns, {});
    await saveOffering({ offering: { ...sixty, durationMinutes: 30 } }, s.coach);
    // Cal.com makes the -v2 event type but the answer never arrives; every retry of the task meets a coach who has already gone back to 60.
    standIns.calcom.loseNextResponses(1, "createTeamEventType");
    standIns.calcom.failNext(20, 503, "createTeamEventType");
    await expect(syncOfferingEventTypes(s.coachId, s.deps)).rejects.toBeDefined();
    standIns.calcom.clearFaults();
    const v2 = standIns.calcom.listEventTypes().find((e) => e.slug === eventTypeSlug(s.coachId, "sixty", 2));
    expect(v2).toBeDefined();
    await saveOffering({ offering: sixty }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    await reconcileRecent({ dryRun: false }, s.deps);
    await reconcileRecent({ dryRun: false }, s.deps);
    expect((await offeringOf(s.coachId, "sixty"))?.calcomEventTypeId).toBe(s.eventTypeId);
    // Recorded as being created, found by its slug, retired and deleted.
    expect(standIns.calcom.eventType(v2?.id ?? 0)).toBeUndefined();
  });

  it("regression #17 review 3: a length saved while a sync runs is not linked to the event type of the length before it", async () => {
    const s = await confirmedBooking(standIns, {});
    await saveOffering({ offering: { ...sixty, durationMinutes: 30 } }, s.coach);
    // The coach saves again (45 minutes) while the sync of the 30-minute save is at Cal.com.
    const gateway = s.deps.scheduling;
    const original = gateway.saveEventType.bind(gateway);
    let saved = false;
    gateway.saveEventType = async (account, input) => {
      const out = await original(account, input);
      if (!saved) {
        saved = true;
        await saveOffering({ offering: { ...sixty, durationMinutes: 45 } }, s.coach);
      }
      return out;
    };
    await syncOfferingEventTypes(s.coachId, s.deps);
    gateway.saveEventType = original;
    const offering = await offeringOf(s.coachId, "sixty");
    expect(offering?.durationMinutes).toBe(45);
    // Linked (bookable) only to an event type of its own length: unlinked until its own sync …
    expect(offering?.calcomEventTypeId).toBeNull();
    // … which makes its 45-minute event type.
    await syncOfferingEventTypes(s.coachId, s.deps);
    const synced = await offeringOf(s.coachId, "sixty");
    expect(standIns.calcom.eventType(synced?.calcomEventTypeId ?? 0)?.lengthInMinutes).toBe(45);
  });

  it("regression #17 review 5: a retired event type is kept while a moved booking's old Cal.com booking in it is still to be cancelled", async () => {
    const s = await confirmedBooking(standIns, { beside: { deep: 10_000 } });
    const oldUid = s.calcomUid;
    // The coach shortens sixty: its event type is retired, kept for this booking.
    await saveOffering({ offering: { ...sixty, durationMinutes: 30 } }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeDefined();
    // The student moves to deep (same price); Cal.com refuses the old booking's cancellation for now.
    standIns.calcom.failNext(20, 503, "cancelBooking");
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: "2030-01-07T10:00:00.000Z",
        newEndTime: "2030-01-07T11:00:00.000Z",
        newOfferingId: "deep",
        refundDifference: true,
        reason: "",
      },
      s.student,
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps).catch(() => undefined);
    standIns.calcom.clearFaults();
    expect((await storedBooking(s.bookingId)).calcomUidsToCancel).toEqual([oldUid]);
    // A sync (any coach save, or reconciliation) meanwhile: nothing refers to the old event type but that leftover.
    await syncOfferingEventTypes(s.coachId, s.deps);
    const state = { eventType: standIns.calcom.eventType(s.eventTypeId) !== undefined, leftover: standIns.calcom.booking(oldUid)?.status };
    await runBookingEffects(s.bookingId, s.deps).catch(() => undefined);
    await reconcileRecent({ dryRun: false }, s.deps);
    await runBookingEffects(s.bookingId, s.deps).catch(() => undefined);
    // The leftover is cancelled in the end (the stand-in lets the coach's account cancel it without its event type)...
    expect({ leftover: standIns.calcom.booking(oldUid)?.status, toCancel: (await storedBooking(s.bookingId)).calcomUidsToCancel }).toEqual({
      leftover: "cancelled",
      toCancel: [],
    });
    // … and the sync kept its event type while the Cal.com booking in it was still accepted.
    expect(state).toEqual({ eventType: true, leftover: "accepted" });
    // Once it is cancelled nothing needs the event type: the next sync deletes it.
    await syncOfferingEventTypes(s.coachId, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeUndefined();
  });

  it("regression #22 (model-based test): a leftover Cal.com booking never cancelled keeps retired event types only until its session has ended", async () => {
    const s = await confirmedBooking(standIns, { beside: { deep: 10_000 } });
    const oldUid = s.calcomUid;
    // The student moves to deep; Cal.com refuses the old booking's cancellation for now.
    standIns.calcom.failNext(20, 503, "cancelBooking");
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: "2030-01-07T10:00:00.000Z",
        newEndTime: "2030-01-07T11:00:00.000Z",
        newOfferingId: "deep",
        refundDifference: true,
        reason: "",
      },
      s.student,
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps).catch(() => undefined);
    standIns.calcom.clearFaults();
    expect((await storedBooking(s.bookingId)).calcomUidsToCancel).toEqual([oldUid]);
    // The session is over: Cal.com now refuses to cancel the ended leftover, which stays listed.
    s.clock.now = new Date("2030-01-08T12:00:00.000Z");
    standIns.calcom.setClock(() => s.clock.now.getTime());
    await runBookingEffects(s.bookingId, s.deps).catch(() => undefined);
    expect({ leftover: standIns.calcom.booking(oldUid)?.status, toCancel: (await storedBooking(s.bookingId)).calcomUidsToCancel }).toEqual({
      leftover: "accepted",
      toCancel: [oldUid],
    });
    // The coach shortens deep afterwards: its old event type is retired, and deleted, the leftover notwithstanding.
    const deepBefore = (await coachDoc(s.coachId).get()).data()?.customOfferings.find((o) => o.id === "deep")?.calcomEventTypeId ?? 0;
    await saveOffering({ offering: { id: "deep", title: "Deep dive", durationMinutes: 30, priceCents: 10_000, currency: "eur" } }, s.coach);
    const counts = await syncOfferingEventTypes(s.coachId, s.deps);
    expect({ retired: counts.retired, deleted: counts.deleted, left: standIns.calcom.eventType(deepBefore) !== undefined }).toEqual({
      retired: 1,
      deleted: 1,
      left: false,
    });
  });

  it("#17 review 6: an offering removed and added again (same length) before the sync runs keeps its event type; its bookings keep what they were sold", async () => {
    const s = await confirmedBooking(standIns, {});
    await removeOffering({ offeringId: "sixty" }, s.coach, s.deps);
    await saveOffering({ offering: { ...sixty, priceCents: 5_000 } }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    expect((await offeringOf(s.coachId, "sixty"))?.calcomEventTypeId).toBe(s.eventTypeId);
    const end = "2030-01-07T11:00:00.000Z";
    await expect(
      rescheduleBooking(
        { bookingId: s.bookingId, newStartTime: "2030-01-07T10:00:00.000Z", newEndTime: end, refundDifference: true, reason: "" },
        s.student,
        s.deps,
      ),
    ).resolves.toMatchObject({ status: "rescheduled", difference: { kind: "none" } });
    expect(await storedBooking(s.bookingId)).toMatchObject({ priceCents: 10_000, refundedCents: 0 });
  });

  it("regression #17 review 4: a coach whose sync the queue gave up on is re-synced even while 100 coaches keep a retired event type", async () => {
    await clearDatabase();
    const syncs = getDb().collection("eventTypeSyncs");
    const at = Timestamp.fromMillis(Date.parse("2030-01-01T00:00:00.000Z"));
    for (let i = 0; i < 100; i += 1)
      await syncs
        .doc(`a-kept-${String(i).padStart(3, "0")}`)
        .set({ wanted: 1, synced: 1, behind: false, retiredKept: 1, keepsRetired: true, touchedAt: at });
    await syncs
      .doc("z-behind")
      .set({ wanted: 2, synced: 1, behind: true, retiredKept: 0, keepsRetired: false, touchedAt: Timestamp.fromMillis(at.toMillis() + 1) });
    const ids = await resyncOutstandingEventTypes(
      { dryRun: true, runId: "r" },
      { calcomQueue: { enqueue: () => Promise.resolve("ran" as const) } },
    );
    expect(ids).toContain("z-behind");
  });
});
