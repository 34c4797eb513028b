import { getAuth } from "firebase-admin/auth";
import { Timestamp, type Query } from "firebase-admin/firestore";
import type { CallerContext } from "../../shared/callable.js";
import {
  adminAlertsCollection,
  bookingEventsCollection,
  bookingsCollection,
  calcomCredentialDoc,
  coachCalendarDoc,
  coachDoc,
  deletedUserDoc,
  eventTypeRecordsCollection,
  eventTypeSyncDoc,
  ledgerCollection,
  mailCollection,
  notificationPreferencesDoc,
  notificationsCollection,
  pushTokensCollection,
  retiredCalcomAccountsCollection,
  studentHoldsDoc,
} from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { PersonalDataInput } from "./personal-data.schemas.js";
import { subjectOf } from "./subject.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A stored value as JSON: Timestamps as ISO instants, everything else as it is. */
function plain(value: unknown): Json {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return null;
}

const documentsOf = async (query: Query) => (await query.get()).docs.map((d) => ({ id: d.id, ...(plain(d.data()) as object) }));

async function authAccount(uid: string): Promise<Json> {
  try {
    const user = await getAuth().getUser(uid);
    return plain({
      email: user.email ?? null,
      emailVerified: user.emailVerified,
      displayName: user.displayName ?? null,
      createdAt: user.metadata.creationTime,
      lastSignInAt: user.metadata.lastSignInTime,
    });
  } catch (err) {
    if ((err as { code?: string }).code === "auth/user-not-found") return null;
    throw err;
  }
}

/** One booking with its audit trail and ledger lines. */
async function bookingWithTrail(id: string, booking: object) {
  const [events, ledger] = await Promise.all([documentsOf(bookingEventsCollection(id)), documentsOf(ledgerCollection(id))]);
  return { id, ...(plain(booking) as object), events, ledger };
}

/** What is held about the coach side of the account: the profile, its Cal.com records (never a key). */
async function coachPart(uid: string) {
  const [coach, credential, retired, eventTypes, calendar, sync] = await Promise.all([
    coachDoc(uid).get(),
    calcomCredentialDoc(uid).get(),
    retiredCalcomAccountsCollection().where("coachId", "==", uid).get(),
    eventTypeRecordsCollection(uid).get(),
    coachCalendarDoc(uid).get(),
    eventTypeSyncDoc(uid).get(),
  ]);
  const c = credential.data();
  return {
    coach: coach.exists ? plain(coach.data()) : null,
    // The key itself is a secret: it is said to be held, never returned.
    calcomCredential: c ? { held: true, kind: c.kind, calcomUserId: c.calcomUserId, connectedAt: plain(c.connectedAt) } : null,
    calcomRetiredAccounts: retired.docs.map((d) => {
      const { apiKey, ...rest } = d.data();
      return { id: d.id, ...(plain(rest) as object), apiKeyHeld: apiKey !== null };
    }),
    eventTypes: eventTypes.docs.map((d) => ({ id: d.id, ...(plain(d.data()) as object) })),
    coachCalendar: calendar.exists ? plain(calendar.data()) : null,
    eventTypeSync: sync.exists ? plain(sync.data()) : null,
  };
}

/**
 * Everything held about one account, as JSON (docs/data-model.md says per collection what is
 * included): the Auth account, the coach side, every booking as student and as coach with its
 * audit trail and ledger lines and admin alerts, the notifications addressed to it, the student's
 * holds. Secrets (a Cal.com key) are said to be held, never returned.
 */
export async function exportMyData(input: PersonalDataInput, caller: CallerContext) {
  const { uid, byAdmin } = subjectOf(input, caller, "You can only export your own data.");
  const [account, coachSide, asStudent, asCoach, notifications, holds, deletion, emails, preferences, devices] = await Promise.all([
    authAccount(uid),
    coachPart(uid),
    bookingsCollection().where("userId", "==", uid).get(),
    bookingsCollection().where("coachId", "==", uid).get(),
    documentsOf(notificationsCollection().where("recipientId", "==", uid)),
    studentHoldsDoc(uid).get(),
    deletedUserDoc(uid).get(),
    documentsOf(mailCollection().where("recipientId", "==", uid)),
    notificationPreferencesDoc(uid).get(),
    documentsOf(pushTokensCollection(uid)),
  ]);
  const withTrails = (docs: typeof asStudent.docs) => Promise.all(docs.map((d) => bookingWithTrail(d.id, d.data())));
  const ids = [...new Set([...asStudent.docs, ...asCoach.docs].map((d) => d.id))];
  const alerts = (await Promise.all(ids.map((id) => documentsOf(adminAlertsCollection().where("bookingId", "==", id))))).flat();
  const out = {
    uid,
    exportedAt: new Date().toISOString(),
    account,
    ...coachSide,
    bookingsAsStudent: await withTrails(asStudent.docs),
    bookingsAsCoach: await withTrails(asCoach.docs),
    adminAlerts: alerts,
    notifications,
    emails,
    notificationPreferences: preferences.exists ? plain(preferences.data()) : null,
    pushDevices: devices,
    studentHolds: holds.exists ? plain(holds.data()) : null,
    deleted: deletion.exists ? plain(deletion.data()) : null,
  };
  log.info("personal-data.exported", { uid, byAdmin, bookings: out.bookingsAsStudent.length + out.bookingsAsCoach.length });
  return out;
}
