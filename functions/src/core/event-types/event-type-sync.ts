import { createHash } from "node:crypto";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import type { AppError } from "../../domain/errors.js";
import { effectiveLimits, type SchedulingLimitsPatch } from "../../domain/limits.js";
import type { Offering } from "../../domain/offering.js";
import type { Dependencies } from "../../ports/dependencies.js";
import {
  bookingsCollection,
  coachDoc,
  eventTypeRecordsCollection,
  eventTypeSyncDoc,
  eventTypeSyncsCollection,
  getDb,
  rawCoachDoc,
  rawEventTypeSyncDoc,
} from "../../shared/firestore.js";
import { EventTypeSyncStateSchema, type EventTypeRecord } from "../../shared/firestore-records.js";
import { withLease } from "../../shared/lease.js";
import { log } from "../../shared/logger.js";
import type { CalcomAccount, EventTypeSpec } from "../../ports/scheduling.port.js";
import { resolveCalcomAccount } from "../calcom-accounts.repository.js";

/**
 * The Cal.com slug of an offering's event type: deterministic, so that a create retried after a
 * lost answer meets Cal.com's "already has an event type with this slug" (a 400) and adopts the
 * event type instead of making a second one. Versions past
 * the first carry their number: a retired event type keeps its slug while its bookings last.
 */
export function eventTypeSlug(coachId: string, offeringId: string, version = 1): string {
  const coachKey = createHash("sha256").update(coachId).digest("hex").slice(0, 10);
  return `coachify-${coachKey}-${offeringId}${version > 1 ? `-v${version}` : ""}`;
}

export function eventTypeSpec(coachId: string, offering: Offering, coachLimits?: SchedulingLimitsPatch, version = 1): EventTypeSpec {
  const limits = effectiveLimits(coachLimits, offering.schedulingLimits);
  return {
    slug: eventTypeSlug(coachId, offering.id, version),
    title: offering.title,
    lengthInMinutes: offering.durationMinutes,
    minimumBookingNotice: limits.minimumNoticeMinutes,
    beforeEventBuffer: limits.bufferBeforeMinutes,
    afterEventBuffer: limits.bufferAfterMinutes,
    bookingWindowDays: limits.bookingWindowDays,
    // Always sent: an update that leaves it out keeps Cal.com's old interval. One slot per session
    // length is what Cal.com does without one.
    slotInterval: limits.slotIntervalMinutes ?? offering.durationMinutes,
  };
}

/** The session length an event type was last given (from the recorded spec). */
function recordedLength(record: EventTypeRecord): number | null {
  try {
    const spec = JSON.parse(record.specKey) as { lengthInMinutes?: unknown };
    return typeof spec.lengthInMinutes === "number" ? spec.lengthInMinutes : null;
  } catch {
    return null;
  }
}

/**
 * Whether a booking still needs the event type: one not ended (or with a move in flight to it),
 * or a cancelled one whose Cal.com booking is still to be cancelled. A Cal.com booking a move left
 * behind (still to cancel) may be in any of the coach's event types: while one waits, none goes.
 * Only until its booking's session has ended, as reconciliation's `release-undone` reads it:
 * Cal.com refuses to cancel an ended booking, so a leftover not cancelled by then stays listed
 * for good and would otherwise keep every retired event type of the coach for ever.
 */
export async function eventTypeInUse(coachId: string, eventTypeId: number, now: Date): Promise<boolean> {
  const leftovers = await bookingsCollection().where("coachId", "==", coachId).where("calcomUidsToCancel", "!=", []).get();
  if (leftovers.docs.some((d) => Date.parse(d.data().endTime) > now.getTime())) return true;
  const on = await bookingsCollection()
    .where("coachId", "==", coachId)
    .where("calcomEventTypeId", "==", eventTypeId)
    .where("endTime", ">", now)
    .get();
  if (
    on.docs.some((d) => {
      const b = d.data();
      return b.status !== "cancelled" || b.calcomStatus === "pending" || b.calcomStatus === "accepted";
    })
  )
    return true;
  const movingTo = await bookingsCollection()
    .where("coachId", "==", coachId)
    .where("reschedule.newEventTypeId", "==", eventTypeId)
    .limit(1)
    .get();
  return !movingTo.empty;
}

export interface SyncCounts {
  created: number;
  updated: number;
  deleted: number;
  retired: number;
}

/**
 * Brings the coach's Cal.com event types in line with their offerings: creates and updates them,
 * retires the event type of an offering whose length changed or that was removed (its bookings
 * keep it), and deletes retired ones no live booking needs. Each outcome is recorded under
 * `coaches/{id}/eventTypes/{offeringId}` before the next step, so a retried or duplicated run
 * repeats no Cal.com write. One run per coach at a time (a lease), each reading the coach once it
 * holds it: the last run always applies the latest offerings.
 */
export async function syncOfferingEventTypes(coachId: string, deps: Dependencies): Promise<SyncCounts> {
  return withLease(`event-types-${coachId}`, 5 * 60_000, deps.now, () => syncUnderLease(coachId, deps));
}

async function syncUnderLease(coachId: string, deps: Dependencies): Promise<SyncCounts> {
  const counts: SyncCounts = { created: 0, updated: 0, deleted: 0, retired: 0 };
  // Read before the coach: a write after this point is synced by a later run.
  const wanted = (await eventTypeSyncDoc(coachId).get()).data()?.wanted ?? 0;
  const coach = (await coachDoc(coachId).get()).data();
  if (coach?.calcomUserId == null) return counts; // not synced yet: the first sync fires us again
  // Resolved only when there is Cal.com work: most coach writes (a sync, our own links) need none.
  let account: CalcomAccount | undefined;
  const accountFor = async () => (account ??= await resolveCalcomAccount(coachId, deps));
  const recordSnaps = await eventTypeRecordsCollection(coachId).get();
  const records = new Map<string, EventTypeRecord>(recordSnaps.docs.map((d) => [d.id, d.data()]));
  const save = async (offeringId: string, record: EventTypeRecord) => {
    await eventTypeRecordsCollection(coachId).doc(offeringId).set(record);
    records.set(offeringId, record);
  };
  /**
   * A version whose create answer was lost, and which this run is not making after all (the
   * offering went another way): found by its slug and retired, so it is deleted like any other
   * unused one rather than left in Cal.com for ever.
   */
  const settleStrayCreate = async (offeringId: string, record: EventTypeRecord, making: number | null): Promise<EventTypeRecord> => {
    if (record.creating === null || record.creating === making) return record;
    const stray = await deps.scheduling.findEventType(await accountFor(), eventTypeSlug(coachId, offeringId, record.creating));
    const settled = { ...record, creating: null, retired: stray === null ? record.retired : [...record.retired, { eventTypeId: stray }] };
    await save(offeringId, settled);
    return settled;
  };
  /** Each offering's event type and the length it was synced at: linked only while the offering still has that length. */
  const ids = new Map<string, { eventTypeId: number; lengthInMinutes: number }>();

  for (const offering of coach.customOfferings) {
    const before = records.get(offering.id);
    const current = before && !before.deleted ? before : null;
    // A new length, or an offering added again, gets an event type of its own: Cal.com gives a
    // moved booking its event type's length, and the old bookings keep theirs.
    const renewed = before !== undefined && (current === null || recordedLength(current) !== offering.durationMinutes);
    const version = before === undefined ? 1 : renewed ? highestVersionOf(before) + 1 : before.version;
    const record = before && (await settleStrayCreate(offering.id, before, renewed ? version : null));
    const spec = eventTypeSpec(coachId, offering, coach.schedulingLimits, version);
    const specKey = JSON.stringify(spec);
    if (current && !renewed && current.specKey === specKey && current.scheduleId === coach.calcomScheduleId) {
      ids.set(offering.id, { eventTypeId: current.eventTypeId, lengthInMinutes: offering.durationMinutes });
      continue;
    }
    if (record && renewed && record.creating !== version)
      await save(offering.id, { ...record, creating: version, highestVersion: Math.max(version, highestVersionOf(record)) });
    const known = record === undefined ? offering.calcomEventTypeId : renewed ? null : record.eventTypeId;
    const { eventTypeId, created } = await deps.scheduling.saveEventType(await accountFor(), {
      calcomUserId: coach.calcomUserId,
      scheduleId: coach.calcomScheduleId,
      eventTypeId: known,
      spec,
    });
    const retired = record && current && renewed ? [...record.retired, { eventTypeId: current.eventTypeId }] : (record?.retired ?? []);
    await save(offering.id, {
      eventTypeId,
      specKey,
      scheduleId: coach.calcomScheduleId,
      deleted: false,
      version,
      retired,
      highestVersion: Math.max(version, record ? highestVersionOf(record) : 1),
      creating: null,
    });
    ids.set(offering.id, { eventTypeId, lengthInMinutes: offering.durationMinutes });
    if (current && renewed) counts.retired += 1;
    if (created) counts.created += 1;
    else counts.updated += 1;
  }

  // A removed offering's event type is retired like a replaced one: no Cal.com call yet.
  const offeringIds = new Set(coach.customOfferings.map((o) => o.id));
  for (const [offeringId, before] of records) {
    if (offeringIds.has(offeringId)) continue;
    const record = await settleStrayCreate(offeringId, before, null);
    if (record.deleted) continue;
    await save(offeringId, { ...record, deleted: true, retired: [...record.retired, { eventTypeId: record.eventTypeId }] });
    counts.retired += 1;
  }

  const now = deps.now();
  let retiredKept = 0;
  for (const [offeringId, record] of records) {
    for (const old of record.retired) {
      if (await eventTypeInUse(coachId, old.eventTypeId, now)) {
        retiredKept += 1;
        continue;
      }
      await deps.scheduling.deleteEventType(await accountFor(), old.eventTypeId);
      const latest = records.get(offeringId) ?? record;
      await save(offeringId, { ...latest, retired: latest.retired.filter((r) => r.eventTypeId !== old.eventTypeId) });
      counts.deleted += 1;
    }
  }

  await linkOfferings(coachId, ids);
  await recordSynced(coachId, wanted, retiredKept, now);
  if (counts.created + counts.updated + counts.deleted + counts.retired > 0)
    log.info("offerings.event-types-synced", { coachId, ...counts, retiredKept });
  return counts;
}

function highestVersionOf(record: EventTypeRecord): number {
  return Math.max(record.version, record.highestVersion ?? 1, record.creating ?? 1);
}

/**
 * Links the offerings to their event types, re-reading so a concurrent edit is not overwritten:
 * an offering given another length meanwhile stays unlinked (unbookable) until its own sync.
 */
async function linkOfferings(coachId: string, ids: Map<string, { eventTypeId: number; lengthInMinutes: number }>): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const latest = (await tx.get(coachDoc(coachId))).data();
    if (!latest) return;
    const linked = latest.customOfferings.map((o) => {
      const synced = ids.get(o.id);
      return synced && synced.lengthInMinutes === o.durationMinutes ? { ...o, calcomEventTypeId: synced.eventTypeId } : o;
    });
    const changed = linked.some((o, i) => o.calcomEventTypeId !== latest.customOfferings[i]?.calcomEventTypeId);
    const update: Record<string, unknown> = {};
    if (changed) update.customOfferings = linked;
    if (latest.eventTypeSyncError !== null) update.eventTypeSyncError = FieldValue.delete();
    if (Object.keys(update).length > 0) tx.update(rawCoachDoc(coachId), update);
  });
}

/** The sync is done up to the coach write counted `wanted`; it stays behind while a later one waits. */
async function recordSynced(coachId: string, wanted: number, retiredKept: number, now: Date): Promise<void> {
  const ref = eventTypeSyncDoc(coachId);
  await getDb().runTransaction(async (tx) => {
    const state = (await tx.get(ref)).data() ?? EventTypeSyncStateSchema.parse({});
    const synced = Math.max(state.synced, wanted);
    tx.set(ref, {
      ...state,
      synced,
      behind: state.wanted > synced,
      retiredKept,
      keepsRetired: retiredKept > 0,
      touchedAt: Timestamp.fromDate(now),
    });
  });
}

/** Counts a coach write that may change their event types (the trigger, before it enqueues the sync). */
export async function markEventTypesWanted(coachId: string, now: Date): Promise<void> {
  await rawEventTypeSyncDoc(coachId).set(
    { wanted: FieldValue.increment(1), behind: true, touchedAt: Timestamp.fromDate(now) },
    { merge: true },
  );
}

/**
 * Records a sync failure on the coach (only when it differs, so the write cannot loop the
 * trigger). The sync state is touched so that reconciliation tries the others before this one.
 */
export async function recordEventTypeSyncError(coachId: string, err: AppError, now: Date): Promise<void> {
  await rawEventTypeSyncDoc(coachId).set({ touchedAt: Timestamp.fromDate(now) }, { merge: true });
  const ref = rawCoachDoc(coachId);
  const error = { code: err.code, message: err.message };
  await getDb().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return;
    const existing: unknown = snap.get("eventTypeSyncError");
    if (JSON.stringify(existing) !== JSON.stringify(error)) tx.update(ref, { eventTypeSyncError: error });
  });
}

/**
 * Enqueues a sync for every coach whose event types may be behind (a sync the queue gave up on,
 * a retired event type waiting for its last booking to end); returns their ids. The sync does
 * nothing in Cal.com when all is already in line.
 */
export async function resyncOutstandingEventTypes(
  options: { dryRun: boolean; runId: string },
  deps: Pick<Dependencies, "calcomQueue">,
): Promise<string[]> {
  const syncs = eventTypeSyncsCollection();
  // Those behind first (an offering may be unbookable); then a few keeping retired event types.
  const [behind, keeping] = await Promise.all([
    syncs.where("behind", "==", true).orderBy("touchedAt").limit(100).get(),
    syncs.where("keepsRetired", "==", true).orderBy("touchedAt").limit(25).get(),
  ]);
  const coachIds = [...new Set([...behind.docs, ...keeping.docs].map((d) => d.id))];
  if (!options.dryRun) {
    for (const coachId of coachIds)
      await deps.calcomQueue.enqueue({
        action: "coach-event-types",
        coachId,
        key: `coach-${coachId}-event-types-reconcile-${options.runId}`,
      });
  }
  return coachIds;
}
