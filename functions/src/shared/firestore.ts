import {
  getFirestore,
  Timestamp,
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type Firestore,
  type FirestoreDataConverter,
  type Query,
} from "firebase-admin/firestore";
import type { z } from "zod";
import { BOOKING_INSTANT_FIELDS, BookingSchema, type Booking } from "../domain/booking.js";
import { calcomAccountKey, type CalcomAccountRef } from "../domain/calcom-account.js";
import { PublicCoachSchema, type PublicCoach } from "../domain/catalog.js";
import { CoachSchema, type Coach } from "../domain/coach.js";
import {
  NOTIFICATION_INSTANT_FIELDS,
  NotificationPreferencesSchema,
  NotificationSchema,
  type Notification,
  type NotificationPreferences,
} from "../domain/notifications.js";
import { RateBucketSchema } from "../domain/rate-limit.js";
import {
  CalcomCredentialSchema,
  CalcomUserRecordSchema,
  CoachCalendarSchema,
  DeletedUserSchema,
  EventTypeRecordSchema,
  EventTypeSyncStateSchema,
  RetiredCalcomAccountSchema,
  SessionAccessSchema,
  SlotCacheEntrySchema,
  StudentHoldsSchema,
  UnfinishedCalcomWriteSchema,
} from "./firestore-records.js";

let db: Firestore | undefined;

/** The Firestore of the default app, created on first use (never at import time). */
export function getDb(): Firestore {
  db ??= getFirestore();
  return db;
}

/**
 * A converter that validates every write and every read with `schema` and stores the named
 * instant fields as Firestore Timestamps (our domain carries them as UTC ISO strings). A value
 * the schema refuses is never stored (so whatever is stored can be read back), and a document
 * that does not match (written some other way) fails loudly on read instead of flowing on
 * half-typed.
 */
export function converterFor<S extends z.ZodType<object>>(
  schema: S,
  instantFields: readonly string[] = [],
): FirestoreDataConverter<z.output<S>> {
  return {
    toFirestore(value) {
      const data: DocumentData = { ...(schema.parse(value) as DocumentData) };
      for (const field of instantFields) {
        const v: unknown = data[field];
        if (typeof v === "string") data[field] = Timestamp.fromDate(new Date(v));
      }
      return data;
    },
    fromFirestore(snapshot) {
      const data: DocumentData = { ...snapshot.data() };
      for (const field of instantFields) {
        const v: unknown = data[field];
        if (v instanceof Timestamp) data[field] = v.toDate().toISOString();
      }
      return schema.parse(data);
    },
  };
}

/*
 * Every Firestore path the functions read or write, and nowhere else (a lint rule refuses
 * `.collection(` outside this file). A document with a schema is reached through its converter,
 * which parses each read and each whole-document write. The `raw…` references skip it, for the
 * writes a converter cannot take: partial ones (`update`, merged sets, FieldValue sentinels;
 * a booking's go through writeBooking, which checks the result against BookingSchema). Documents
 * with no schema (audit and ledger entries, notifications, alerts, markers, leases, runs) are plain.
 */

const bookingConverter = converterFor(BookingSchema, BOOKING_INSTANT_FIELDS);
const coachConverter = converterFor(CoachSchema);
const publicCoachConverter = converterFor(PublicCoachSchema);
const coachCalendarConverter = converterFor(CoachCalendarSchema);
const studentHoldsConverter = converterFor(StudentHoldsSchema);
const rateBucketConverter = converterFor(RateBucketSchema);
const calcomCredentialConverter = converterFor(CalcomCredentialSchema);
const calcomUserRecordConverter = converterFor(CalcomUserRecordSchema);
const retiredCalcomAccountConverter = converterFor(RetiredCalcomAccountSchema);
const eventTypeRecordConverter = converterFor(EventTypeRecordSchema);
const eventTypeSyncStateConverter = converterFor(EventTypeSyncStateSchema);
const slotCacheEntryConverter = converterFor(SlotCacheEntrySchema);
const unfinishedCalcomWriteConverter = converterFor(UnfinishedCalcomWriteSchema);
const deletedUserConverter = converterFor(DeletedUserSchema);
const sessionAccessConverter = converterFor(SessionAccessSchema);
const notificationConverter = converterFor(NotificationSchema, NOTIFICATION_INSTANT_FIELDS);
const notificationPreferencesConverter = converterFor(NotificationPreferencesSchema, ["updatedAt"]);

const collection = (path: string): CollectionReference => getDb().collection(path);

// bookings/{bookingId} and its subcollections

export function bookingsCollection(): CollectionReference<Booking> {
  return collection("bookings").withConverter<Booking>(bookingConverter);
}

export function bookingDoc(bookingId: string): DocumentReference<Booking> {
  return rawBookingDoc(bookingId).withConverter<Booking>(bookingConverter);
}

export function rawBookingDoc(bookingId: string): DocumentReference {
  return collection("bookings").doc(bookingId);
}

/** A fresh booking id (Firestore's auto-id), taken before the booking is written. */
export function newBookingId(): string {
  return collection("bookings").doc().id;
}

/** `bookings/{bookingId}/events`: the booking's audit trail. */
export function bookingEventsCollection(bookingId: string): CollectionReference {
  return rawBookingDoc(bookingId).collection("events");
}

/** `bookings/{bookingId}/events/{eventId}`: one entry of the booking's audit trail. */
export function bookingEventDoc(bookingId: string, eventId: string): DocumentReference {
  return rawBookingDoc(bookingId).collection("events").doc(eventId);
}

const LEDGER = "ledger";

/** `bookings/{bookingId}/ledger/{stripeObjectId}`: every move of the booking's money. */
export function ledgerCollection(bookingId: string): CollectionReference {
  return rawBookingDoc(bookingId).collection(LEDGER);
}

export function ledgerEntryDoc(bookingId: string, entryId: string): DocumentReference {
  return ledgerCollection(bookingId).doc(entryId);
}

/** Every booking's ledger entries at once (the statements: a coach's, the platform's). */
export function allLedgerEntries(): Query {
  return getDb().collectionGroup(LEDGER);
}

// coaches/{coachId} and its subcollection

export function coachDoc(coachId: string): DocumentReference<Coach> {
  return rawCoachDoc(coachId).withConverter<Coach>(coachConverter);
}

export function rawCoachDoc(coachId: string): DocumentReference {
  return collection("coaches").doc(coachId);
}

export function eventTypeRecordsCollection(coachId: string) {
  return rawCoachDoc(coachId).collection("eventTypes").withConverter(eventTypeRecordConverter);
}

// publicCoaches/{coachId}: the catalog, written by functions only, read by clients (firestore.rules)

export function publicCoachesCollection(): CollectionReference<PublicCoach> {
  return collection("publicCoaches").withConverter<PublicCoach>(publicCoachConverter);
}

export function publicCoachDoc(coachId: string): DocumentReference<PublicCoach> {
  return publicCoachesCollection().doc(coachId);
}

// server-only documents (their shapes and meaning: firestore-records.ts)

export function coachCalendarDoc(coachId: string) {
  return collection("coachCalendars").doc(coachId).withConverter(coachCalendarConverter);
}

/** `rateLimits/{key}`: one account's (or, for an anonymous caller, one address's) call budget. */
export function rateLimitDoc(key: string) {
  return collection("rateLimits").doc(key).withConverter(rateBucketConverter);
}

export function studentHoldsDoc(userId: string) {
  return collection("studentHolds").doc(userId).withConverter(studentHoldsConverter);
}

export function calcomCredentialsCollection() {
  return collection("calcomCredentials").withConverter(calcomCredentialConverter);
}

export function calcomCredentialDoc(coachId: string) {
  return calcomCredentialsCollection().doc(coachId);
}

/** `calcomUsers/{calcomUserId}`: a Cal.com user we created and the coach it belongs to. */
export function calcomUserDoc(calcomUserId: number) {
  return collection("calcomUsers").doc(String(calcomUserId)).withConverter(calcomUserRecordConverter);
}

export function retiredCalcomAccountsCollection() {
  return collection("calcomRetiredAccounts").withConverter(retiredCalcomAccountConverter);
}

export function retiredCalcomAccountDoc(coachId: string, account: CalcomAccountRef) {
  return retiredCalcomAccountsCollection().doc(`${coachId}_${calcomAccountKey(account)}`);
}

export function eventTypeSyncsCollection() {
  return collection("eventTypeSyncs").withConverter(eventTypeSyncStateConverter);
}

export function eventTypeSyncDoc(coachId: string) {
  return rawEventTypeSyncDoc(coachId).withConverter(eventTypeSyncStateConverter);
}

export function rawEventTypeSyncDoc(coachId: string): DocumentReference {
  return collection("eventTypeSyncs").doc(coachId);
}

export function slotCacheDoc(key: string) {
  return rawSlotCacheDoc(key).withConverter(slotCacheEntryConverter);
}

export function rawSlotCacheDoc(key: string): DocumentReference {
  return collection("slotCache").doc(key);
}

export function unfinishedCalcomWritesCollection() {
  return collection("unfinishedCalcomWrites").withConverter(unfinishedCalcomWriteConverter);
}

export function unfinishedCalcomWriteDoc(taskId: string) {
  return unfinishedCalcomWritesCollection().doc(taskId);
}

/** `notifications/{bookingId}_{kind}_{recipientId}`: what a user is told (clients read their own and mark them read). */
export function notificationDoc(notificationId: string): DocumentReference<Notification> {
  return notificationsCollection().doc(notificationId);
}

export function notificationsCollection(): CollectionReference<Notification> {
  return collection("notifications").withConverter<Notification>(notificationConverter);
}

/** `notificationPreferences/{uid}`: which topics reach the user by email and push (written by setNotificationPreferences). */
export function notificationPreferencesDoc(uid: string): DocumentReference<NotificationPreferences> {
  return collection("notificationPreferences").doc(uid).withConverter<NotificationPreferences>(notificationPreferencesConverter);
}

/** `users/{uid}/pushTokens/{tokenId}`: the user's devices, written by the user's own app (firestore.rules). */
export function pushTokensCollection(uid: string): CollectionReference {
  return collection("users").doc(uid).collection("pushTokens");
}

/** `pushDeliveries/{notificationId}_{tokenId}`: one push of one notification to one device, claimed before it is sent. */
export function pushDeliveryDoc(deliveryId: string): DocumentReference {
  return collection("pushDeliveries").doc(deliveryId);
}

export function pushDeliveriesCollection(): CollectionReference {
  return collection("pushDeliveries");
}

/**
 * `mail/{notificationId}`: the Trigger Email extension's collection (its default name): one
 * document per email, which the extension sends once and records `delivery` on. Server-only.
 */
export function mailDoc(notificationId: string): DocumentReference {
  return collection("mail").doc(notificationId);
}

export function mailCollection(): CollectionReference {
  return collection("mail");
}

/** `coachDebts/{coachId}`: what a coach owes per currency (`cents.<currency>`) from reversals their balance could not cover. */
export function coachDebtDoc(coachId: string): DocumentReference {
  return collection("coachDebts").doc(coachId);
}

/** `reminderSchedules/{bookingId}`: the session time (start and calendar revision) whose reminders are scheduled. */
export function reminderScheduleDoc(bookingId: string): DocumentReference {
  return collection("reminderSchedules").doc(bookingId);
}

/** `adminAlerts/{bookingId}_{escalationId}`: what an administrator has to settle. */
export function adminAlertDoc(alertId: string): DocumentReference {
  return adminAlertsCollection().doc(alertId);
}

export function adminAlertsCollection(): CollectionReference {
  return collection("adminAlerts");
}

/** `deletedUsers/{uid}`: an account that was deleted (no personal data), so late writes about it add none back. */
export function deletedUserDoc(uid: string) {
  return collection("deletedUsers").doc(uid).withConverter(deletedUserConverter);
}

/** `sessionAccess/{bookingId}`: a live session's link and the coach's contact, for its student only. */
export function sessionAccessDoc(bookingId: string) {
  return collection("sessionAccess").doc(bookingId).withConverter(sessionAccessConverter);
}

/** `webhookEvents/{source}_{id}`: the claim of one webhook delivery, so a redelivery is applied once. */
export function webhookEventDoc(eventId: string): DocumentReference {
  return collection("webhookEvents").doc(eventId);
}

/** `leases/{key}`: see lease.ts. */
export function leaseDoc(key: string): DocumentReference {
  return collection("leases").doc(key);
}

/** `system/reconciliation`: the poll cursor of each Cal.com account. */
export function reconciliationCursorsDoc(): DocumentReference {
  return collection("system").doc("reconciliation");
}

/** `reconciliationRuns/{runId}`: what one reconciliation pass found and healed. */
export function reconciliationRunDoc(runId: string): DocumentReference {
  return collection("reconciliationRuns").doc(runId);
}
