import { createHash } from "node:crypto";
import { FieldValue } from "firebase-admin/firestore";
import { AppError } from "../../domain/errors.js";
import { effectiveLimits, type SchedulingLimitsPatch } from "../../domain/limits.js";
import type { Offering } from "../../domain/offering.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { coachDoc, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { CalcomAccount, EventTypeSpec } from "../../shared/scheduling.port.js";
import { resolveCalcomAccount } from "../calcom-accounts/calcom-accounts.repository.js";
import { EventTypeRecordSchema, type EventTypeRecord, type RemoveOfferingInput, type SaveOfferingInput } from "./offerings.schemas.js";

function recordsOf(coachId: string) {
  return getDb().collection("coaches").doc(coachId).collection("eventTypes");
}

/**
 * The Cal.com slug of an offering: deterministic, so that a create retried after a lost answer
 * meets a 409 and adopts the event type instead of making a second one.
 */
export function eventTypeSlug(coachId: string, offeringId: string): string {
  const coachKey = createHash("sha256").update(coachId).digest("hex").slice(0, 10);
  return `coachify-${coachKey}-${offeringId}`;
}

export function eventTypeSpec(coachId: string, offering: Offering, coachLimits?: SchedulingLimitsPatch): EventTypeSpec {
  const limits = effectiveLimits(coachLimits, offering.schedulingLimits);
  return {
    slug: eventTypeSlug(coachId, offering.id),
    title: offering.title,
    lengthInMinutes: offering.durationMinutes,
    minimumBookingNotice: limits.minimumNoticeMinutes,
    beforeEventBuffer: limits.bufferBeforeMinutes,
    afterEventBuffer: limits.bufferAfterMinutes,
    bookingWindowDays: limits.bookingWindowDays,
    slotInterval: limits.slotIntervalMinutes,
  };
}

/** Adds or replaces one of the caller's offerings (keeping its Cal.com link); the trigger syncs Cal.com. */
export async function saveOffering(input: SaveOfferingInput, caller: CallerContext) {
  const coachId = requireUid(caller);
  return getDb().runTransaction(async (tx) => {
    const snap = await tx.get(coachDoc(coachId));
    const coach = snap.data();
    if (!coach) throw new AppError("coach/not-found", "Sync your availability (or create your coach profile) before adding offerings.");
    const previous = coach.customOfferings.find((o) => o.id === input.offering.id);
    const offering: Offering = { ...input.offering, calcomEventTypeId: previous?.calcomEventTypeId ?? null };
    const customOfferings = previous ? coach.customOfferings.map((o) => (o.id === offering.id ? offering : o)) : [...coach.customOfferings, offering];
    tx.update(getDb().collection("coaches").doc(coachId), { customOfferings });
    return { offering, created: !previous };
  });
}

/** Removes one of the caller's offerings; the trigger deletes its Cal.com event type. */
export async function removeOffering(input: RemoveOfferingInput, caller: CallerContext) {
  const coachId = requireUid(caller);
  return getDb().runTransaction(async (tx) => {
    const coach = (await tx.get(coachDoc(coachId))).data();
    if (!coach?.customOfferings.some((o) => o.id === input.offeringId)) {
      throw new AppError("offering/not-found", "You have no offering with this id.");
    }
    tx.update(getDb().collection("coaches").doc(coachId), { customOfferings: coach.customOfferings.filter((o) => o.id !== input.offeringId) });
    return { offeringId: input.offeringId, removed: true };
  });
}

/**
 * Brings the coach's Cal.com event types in line with their offerings: creates, updates and
 * deletes, each outcome recorded under `coaches/{id}/eventTypes/{offeringId}` before the next
 * step, so a retried or duplicated run repeats no Cal.com write. Writes the event type ids back
 * onto the offerings (which fires the trigger once more, finding nothing to do).
 */
export async function syncOfferingEventTypes(coachId: string, deps: Dependencies): Promise<{ created: number; updated: number; deleted: number }> {
  const counts = { created: 0, updated: 0, deleted: 0 };
  const coach = (await coachDoc(coachId).get()).data();
  if (coach?.calcomUserId == null) return counts; // not synced yet: the first sync fires us again
  // Resolved only when there is Cal.com work: most coach writes (a sync, our own links) need none.
  let account: CalcomAccount | undefined;
  const accountFor = async () => (account ??= await resolveCalcomAccount(coachId, deps.config));
  const recordSnaps = await recordsOf(coachId).get();
  const records = new Map<string, EventTypeRecord>(recordSnaps.docs.map((d) => [d.id, EventTypeRecordSchema.parse(d.data())]));
  const ids = new Map<string, number>();

  for (const offering of coach.customOfferings) {
    const spec = eventTypeSpec(coachId, offering, coach.schedulingLimits);
    const specKey = JSON.stringify(spec);
    const record = records.get(offering.id);
    if (record && !record.deleted && record.specKey === specKey && record.scheduleId === coach.calcomScheduleId) {
      ids.set(offering.id, record.eventTypeId);
      continue;
    }
    const known = record && !record.deleted ? record.eventTypeId : offering.calcomEventTypeId;
    const { eventTypeId, created } = await deps.scheduling.saveEventType(await accountFor(), {
      calcomUserId: coach.calcomUserId,
      scheduleId: coach.calcomScheduleId,
      eventTypeId: known,
      spec,
    });
    await recordsOf(coachId).doc(offering.id).set({ eventTypeId, specKey, scheduleId: coach.calcomScheduleId, deleted: false } satisfies EventTypeRecord);
    ids.set(offering.id, eventTypeId);
    if (created) counts.created += 1;
    else counts.updated += 1;
  }

  const current = new Set(coach.customOfferings.map((o) => o.id));
  for (const [offeringId, record] of records) {
    if (current.has(offeringId) || record.deleted) continue;
    await deps.scheduling.deleteEventType(await accountFor(), record.eventTypeId);
    await recordsOf(coachId).doc(offeringId).set({ ...record, deleted: true } satisfies EventTypeRecord);
    counts.deleted += 1;
  }

  // Link the offerings to their event types, re-reading so a concurrent edit is not overwritten.
  await getDb().runTransaction(async (tx) => {
    const latest = (await tx.get(coachDoc(coachId))).data();
    if (!latest) return;
    const linked = latest.customOfferings.map((o) => ({ ...o, calcomEventTypeId: ids.get(o.id) ?? o.calcomEventTypeId }));
    const changed = linked.some((o, i) => o.calcomEventTypeId !== latest.customOfferings[i]?.calcomEventTypeId);
    const update: Record<string, unknown> = {};
    if (changed) update.customOfferings = linked;
    if (latest.eventTypeSyncError !== null) update.eventTypeSyncError = FieldValue.delete();
    if (Object.keys(update).length > 0) tx.update(getDb().collection("coaches").doc(coachId), update);
  });
  if (counts.created + counts.updated + counts.deleted > 0) log.info("offerings.event-types-synced", { coachId, ...counts });
  return counts;
}

/** Records a sync failure on the coach (only when it differs, so the write cannot loop the trigger). */
export async function recordEventTypeSyncError(coachId: string, err: AppError): Promise<void> {
  const ref = getDb().collection("coaches").doc(coachId);
  const error = { code: err.code, message: err.message };
  await getDb().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return;
    const existing: unknown = snap.get("eventTypeSyncError");
    if (JSON.stringify(existing) !== JSON.stringify(error)) tx.update(ref, { eventTypeSyncError: error });
  });
}
