import type { Transaction } from "firebase-admin/firestore";
import type { Booking } from "../domain/booking.js";
import type { MoneySchema } from "../domain/money.js";
import { NotificationSchema, meetingLinkOrNull, sessionFacts, type NotificationTopic, type SessionFacts } from "../domain/notifications.js";
import type { z } from "zod";
import { notificationDoc } from "../shared/firestore.js";
import { log } from "../shared/logger.js";

export interface NotificationInput {
  bookingId: string;
  recipientId: string;
  /** Names the occurrence (one move among several): with the booking and recipient, the notification's id. */
  kind: string;
  topic: NotificationTopic;
  title: string;
  body: string;
  /** The session as it stands after the change the notification is about. */
  session: SessionFacts;
  amount?: z.output<typeof MoneySchema> | null;
  meetingUrl?: string | null;
  /** The calendar file the email carries (none unless given). */
  calendar?: "request" | "cancel" | null;
  previousStartTime?: string | null;
}

/** The notification's id: one per booking, kind and recipient, so a retried step tells once. */
export function notificationId(input: Pick<NotificationInput, "bookingId" | "kind" | "recipientId">): string {
  return `${input.bookingId}_${input.kind}_${input.recipientId}`;
}

/**
 * Records a notification in the step's transaction. Its creation is what delivers it (email and
 * push, per the recipient's preferences: the `onNotificationCreated` trigger), so a step that
 * never commits tells nobody, and one retried after committing writes the same document again
 * (an update, which delivers nothing).
 */
export function notify(tx: Transaction, input: NotificationInput, now: Date): void {
  const full = {
    ...input,
    amount: input.amount ?? null,
    calendar: input.calendar ?? null,
    meetingUrl: meetingLinkOrNull(input.meetingUrl),
    previousStartTime: input.previousStartTime ?? null,
    createdAt: now.toISOString(),
    readAt: null,
  };
  // A notification never fails the step it tells of (a payment, a refund, a cancellation): one
  // whose details do not fit its schema (an old booking's odd fields) is kept as its words only,
  // shown in the app and delivered nowhere.
  const checked = NotificationSchema.safeParse(full);
  if (!checked.success) {
    log.error("notification.details-dropped", {
      bookingId: input.bookingId,
      kind: input.kind,
      issue: checked.error.issues[0]?.message ?? "",
    });
  }
  tx.set(
    notificationDoc(notificationId(input)),
    checked.success ? full : { ...full, session: null, amount: null, calendar: null, meetingUrl: null, previousStartTime: null },
  );
}

/**
 * The same notification to each party of a booking (the student, then the coach; `only` narrows
 * it), with the session as `booking` now stands (after the change being told).
 */
export function notifyParties(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  input: Omit<NotificationInput, "bookingId" | "recipientId" | "session"> & { only?: "student" | "coach" },
  now: Date,
): void {
  const { only, ...rest } = input;
  const recipients = only === "student" ? [booking.userId] : only === "coach" ? [booking.coachId] : [booking.userId, booking.coachId];
  for (const recipientId of recipients) notify(tx, { ...rest, bookingId, recipientId, session: sessionFacts(booking) }, now);
}
