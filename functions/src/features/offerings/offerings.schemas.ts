import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { OfferingSchema } from "../../domain/offering.js";

/** What a coach may set on an offering; the Cal.com event type id is ours to set. */
export const OfferingInputSchema = OfferingSchema.omit({ calcomEventTypeId: true });

export const SaveOfferingInputSchema = z.object({ offering: OfferingInputSchema });
export type SaveOfferingInput = z.output<typeof SaveOfferingInputSchema>;

export const RemoveOfferingInputSchema = z.object({ offeringId: z.string().min(1).max(40) });
export type RemoveOfferingInput = z.output<typeof RemoveOfferingInputSchema>;

/**
 * `coaches/{coachId}/eventTypes/{offeringId}`: the recorded outcome of syncing one offering. An
 * offering has one current event type; a change of its length, its removal, or its re-adding
 * retires the current one (bookings keep the event type they were sold in) and the next
 * version gets an event type of its own.
 */
export const EventTypeRecordSchema = z.object({
  /** The current event type (when `deleted`, the last one, now retired). */
  eventTypeId: z.int().positive(),
  /** The Cal.com-relevant fields last applied, so an unchanged offering costs no Cal.com call. */
  specKey: z.string(),
  scheduleId: z.int().positive().nullable(),
  /** The offering is gone: it has no current event type. */
  deleted: z.boolean(),
  /** Which event type of the offering is current: its slug names it past the first. */
  version: z.int().min(1).default(1),
  /** Earlier event types still holding live bookings; each is deleted in Cal.com once none is left. */
  retired: z.array(z.object({ eventTypeId: z.int().positive() })).default([]),
  /** The highest version ever asked of Cal.com: a new one is always above it, never a slug used before. */
  highestVersion: z.int().min(1).nullable().default(null),
  /** A version being created: if its answer is lost and the offering goes another way, the next run finds it by slug and retires it. */
  creating: z.int().min(1).nullable().default(null),
});
export type EventTypeRecord = z.output<typeof EventTypeRecordSchema>;

/**
 * `eventTypeSyncs/{coachId}`: whether the coach's event types may be behind their offerings.
 * Every coach write counts up `wanted`; a sync that completes records the count it started from.
 * Reconciliation re-runs the syncs `behind` (a queue that gave up) and, a few at a time, those of
 * coaches who `keepsRetired` event types waiting for their last booking to end; least recently
 * touched first, so that none is starved.
 */
export const EventTypeSyncStateSchema = z.object({
  wanted: z.int().min(0).default(0),
  synced: z.int().min(0).default(0),
  behind: z.boolean().default(false),
  /** Retired event types still kept in Cal.com for their bookings. */
  retiredKept: z.int().min(0).default(0),
  keepsRetired: z.boolean().default(false),
  touchedAt: z.instanceof(Timestamp).nullable().default(null),
});
export type EventTypeSyncState = z.output<typeof EventTypeSyncStateSchema>;
