import { describe, expect, it } from "vitest";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { runCalcomWrite } from "../../src/core/effects/calcom-writes.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import type { CalcomWrite, CalcomWriteQueue } from "../../src/ports/calcom-queue.port.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { payAndConfirm, readyCoach, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();
const START = "2030-01-07T09:00:00.000Z";
const END = "2030-01-07T10:00:00.000Z";

/** A Cloud Tasks double: records each task with its schedule time; `runDue` carries out those due by our clock. */
function recordingQueue(clock: { now: Date }) {
  const tasks: { write: CalcomWrite; at: Date | null; ran: boolean }[] = [];
  const holder: { deps?: Dependencies } = {};
  const queue: CalcomWriteQueue = {
    enqueue(write, options) {
      if (tasks.some((t) => t.write.key === write.key)) return Promise.resolve("duplicate");
      tasks.push({ write, at: options?.scheduleTime ?? null, ran: false });
      return Promise.resolve("enqueued");
    },
  };
  const runDue = async () => {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      if (!task || task.ran || (task.at !== null && task.at.getTime() > clock.now.getTime()) || !holder.deps) continue;
      task.ran = true;
      await runCalcomWrite(task.write, holder.deps);
    }
  };
  return { tasks, queue, holder, runDue };
}

describe("a Cal.com rate-limit block while a paid booking is confirmed", () => {
  it("regression #16.14: is waited out, not counted: the confirmation runs once the block ends, within a minute of it", async () => {
    const clock = { now: new Date() };
    const q = recordingQueue(clock);
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => clock.now, calcomQueue: q.queue });
    q.holder.deps = deps;
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
    const student = { uid: uniqueId("student"), isAdmin: false };
    const { bookingId } = await createBooking(
      { coachId, eventTypeId, offeringId: "sixty", userId: student.uid, startTime: START, endTime: END },
      student,
      deps,
    );
    await payAndConfirm(bookingId, standIns.stripe, deps);

    // Cal.com blocks the key for 40 s at the confirmation.
    standIns.calcom.rateLimitNext(1, 40, "confirmBooking");
    const blockedAt = clock.now.getTime();
    await q.runDue();
    const waiting = (await bookingDoc(bookingId).get()).data();
    expect(waiting).toMatchObject({ status: "requested", paymentStatus: "paid", needsReconciliation: false });
    expect(waiting?.sideEffectAttempts["calcom-confirm"] ?? 0).toBe(0);
    const retry = q.tasks.find((t) => !t.ran);
    expect(retry?.write).toMatchObject({ action: "booking", bookingId });
    const retryAt = retry?.at?.getTime() ?? 0;
    expect(retryAt).toBeGreaterThanOrEqual(blockedAt + 40_000);
    expect(retryAt).toBeLessThanOrEqual(blockedAt + 100_000);

    // Not before the block ends …
    clock.now = new Date(blockedAt + 20_000);
    await q.runDue();
    expect((await bookingDoc(bookingId).get()).data()?.status).toBe("requested");
    // … and once it has.
    clock.now = new Date(retryAt);
    await q.runDue();
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({ status: "confirmed", calcomStatus: "accepted" });
    expect((await bookingDoc(bookingId).get()).data()?.sideEffectAttempts["calcom-confirm"] ?? 0).toBe(0);
    expect(standIns.calcom.callsTo("confirmBooking").map((c) => c.status)).toEqual([429, 200]);
    const told = await getDb()
      .collection("notifications")
      .where("bookingId", "==", bookingId)
      .where("recipientId", "==", student.uid)
      .get();
    expect(told.docs.map((d) => d.get("title") as string)).toEqual(["Session booked"]);
  });
});

describe.each(["organization", "connected"] as const)("a 60 s Cal.com rate-limit block (Cal.com's own, %s mode)", (mode) => {
  const updateEventType = mode === "organization" ? "updateTeamEventType" : "updateEventType";
  const connectedIn = () => (mode === "connected" ? standIns.calcom : undefined);
  function blockedQueue() {
    const clock = { now: new Date() };
    const q = recordingQueue(clock);
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => clock.now, calcomQueue: q.queue });
    q.holder.deps = deps;
    /** Runs every due task until none is left, moving the clock to each scheduled one; returns when the last ran. */
    const drain = async () => {
      for (let pending = q.tasks.filter((t) => !t.ran); pending.length > 0; pending = q.tasks.filter((t) => !t.ran)) {
        const next = Math.min(...pending.map((t) => t.at?.getTime() ?? clock.now.getTime()));
        clock.now = new Date(Math.max(next, clock.now.getTime()));
        await q.runDue();
      }
      return clock.now.getTime();
    };
    return { clock, q, deps, drain };
  }

  it("#17.5: during an event-type sync, the write is done once, within a minute of the block's end", async () => {
    const { clock, q, deps, drain } = blockedQueue();
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" }, connectedIn());
    await saveOffering(
      { offering: { id: "sixty", title: "Renamed", durationMinutes: 60, priceCents: 10_000, currency: "eur" } },
      { uid: coachId, isAdmin: false },
    );
    standIns.calcom.rateLimitNext(1, 60, updateEventType);
    const blockedAt = clock.now.getTime();
    await q.queue.enqueue({ action: "coach-event-types", coachId, key: `coach-${coachId}-event-types-test` });
    const doneAt = await drain();
    expect(standIns.calcom.eventType(eventTypeId)?.title).toBe("Renamed");
    expect(standIns.calcom.callsTo(updateEventType).map((c) => c.status)).toEqual([429, 200]);
    expect(doneAt).toBeGreaterThanOrEqual(blockedAt + 60_000);
    expect(doneAt).toBeLessThanOrEqual(blockedAt + 120_000);
  });

  it("#17.5: during a confirmation, the write is done once, within a minute of the block's end", async () => {
    const { clock, deps, drain } = blockedQueue();
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" }, connectedIn());
    const student = { uid: uniqueId("student"), isAdmin: false };
    const { bookingId } = await createBooking(
      { coachId, eventTypeId, offeringId: "sixty", userId: student.uid, startTime: START, endTime: END },
      student,
      deps,
    );
    await payAndConfirm(bookingId, standIns.stripe, deps);
    standIns.calcom.rateLimitNext(1, 60, "confirmBooking");
    const blockedAt = clock.now.getTime();
    const doneAt = await drain();
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({
      status: "confirmed",
      calcomStatus: "accepted",
      needsReconciliation: false,
    });
    expect(standIns.calcom.callsTo("confirmBooking").map((c) => c.status)).toEqual([429, 200]);
    expect(doneAt).toBeGreaterThanOrEqual(blockedAt + 60_000);
    expect(doneAt).toBeLessThanOrEqual(blockedAt + 120_000);
  });
});

describe("a Cal.com write the queue gave up on", () => {
  it("#17.5: is recorded, and enqueued again by reconciliation once the queue's retries are over", async () => {
    const clock = { now: new Date() };
    const q = recordingQueue(clock);
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => clock.now, calcomQueue: q.queue });
    q.holder.deps = deps;
    const { eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
    const stray = standIns.calcom.seedBooking({ eventTypeId, start: START, status: "accepted" });
    const write = { action: "calcom-orphan" as const, calcomBookingUid: stray.uid, coachId: null, key: `calcom-orphan-${stray.uid}` };
    // Every attempt the queue makes fails (Cal.com down); the last one leaves the record behind.
    standIns.calcom.failNext(4, 503, "cancelBooking");
    await expect(runCalcomWrite(write, deps)).rejects.toMatchObject({ code: "upstream/unavailable" });
    expect((await getDb().collection("unfinishedCalcomWrites").get()).docs.map((d) => d.get("write.calcomBookingUid") as string)).toContain(
      stray.uid,
    );

    // Too soon: the queue may still be retrying it.
    expect((await reconcileRecent({ dryRun: false }, deps)).requeuedCalcomWrites).toEqual([]);
    clock.now = new Date(clock.now.getTime() + 31 * 60_000);
    const run = await reconcileRecent({ dryRun: false }, deps);
    expect(run.requeuedCalcomWrites).toHaveLength(1);
    await q.runDue();
    expect(standIns.calcom.booking(stray.uid)?.status).toBe("cancelled");
    expect((await getDb().collection("unfinishedCalcomWrites").where("write.calcomBookingUid", "==", stray.uid).get()).empty).toBe(true);
  });
});
