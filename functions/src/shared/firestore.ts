import { getFirestore, Timestamp, type Firestore, type FirestoreDataConverter, type DocumentData } from "firebase-admin/firestore";
import type { z } from "zod";
import { BookingSchema, BOOKING_INSTANT_FIELDS, type Booking } from "../domain/booking.js";
import { CoachSchema, type Coach } from "../domain/coach.js";

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

export const COLLECTIONS = {
  coaches: "coaches",
  bookings: "bookings",
  notifications: "notifications",
  calcomCredentials: "calcomCredentials",
  calcomRetiredAccounts: "calcomRetiredAccounts",
  webhookEvents: "webhookEvents",
} as const;

const bookingConverter = converterFor(BookingSchema, BOOKING_INSTANT_FIELDS);
const coachConverter = converterFor(CoachSchema);

export function bookingsCollection() {
  return getDb().collection(COLLECTIONS.bookings).withConverter<Booking>(bookingConverter);
}

export function bookingDoc(bookingId: string) {
  return bookingsCollection().doc(bookingId);
}

export function coachesCollection() {
  return getDb().collection(COLLECTIONS.coaches).withConverter<Coach>(coachConverter);
}

export function coachDoc(coachId: string) {
  return coachesCollection().doc(coachId);
}
