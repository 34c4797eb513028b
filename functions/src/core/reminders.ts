import { Timestamp } from "firebase-admin/firestore";
import type { Booking } from "../domain/booking.js";
import {
  MAX_TASK_DELAY_MS,
  calendarSequence,
  reminderDecision,
  reminderDueAt,
  reminderKind,
  remindersOf,
  type Reminder,
} from "../domain/notifications.js";
import { epochMs } from "../domain/time.js";
import type { Dependencies } from "../ports/dependencies.js";
import { bookingDoc, getDb, notificationDoc, reminderScheduleDoc } from "../shared/firestore.js";
import { log } from "../shared/logger.js";
import { errorCodeOf } from "../domain/errors.js";
import { readBooking } from "./bookings.repository.js";
import { notificationId, notifyParties } from "./notifications.js";

/** The session time a booking's reminders are scheduled for: a new start or a move makes new ones. */
function scheduleKey(booking: Pick<Booking, "startTime" | "previousCalcomBookingUids">): string {
  return `${epochMs(booking.startTime)}-s${calendarSequence(booking)}`;
}

/**
 * Schedules a confirmed session's reminders (once per session time: a marker records the time
 * they were scheduled for). Reminders of an earlier time are not withdrawn: each checks the
 * booking when it runs and is skipped once the session moved or ended.
 */
export async function scheduleReminders(bookingId: string, booking: Booking, deps: Dependencies): Promise<void> {
  if (booking.status !== "confirmed" || deps.config.reminderOffsetsMinutes.length === 0) return;
  const key = scheduleKey(booking);
  const marker = reminderScheduleDoc(bookingId);
  if ((await marker.get()).get("key") === key) return;
  try {
    for (const reminder of remindersOf(bookingId, booking, deps.config.reminderOffsetsMinutes, deps.now()))
      await enqueueReminder(reminder, deps);
  } catch (err) {
    // The booking's other effects go on; the marker is not written, so the booking's next write tries again.
    log.error("reminder.schedule-failed", { bookingId, code: errorCodeOf(err) }, err);
    return;
  }
  await marker.set({ key, scheduledAt: Timestamp.fromDate(deps.now()) });
}

/**
 * Enqueues a reminder for its time, or for as far as Cloud Tasks schedules (30 days) when it is
 * further out: that run enqueues it again. The task id names the session time, the offset and
 * how many such hops are left, so enqueueing it twice is refused.
 */
function enqueueReminder(reminder: Reminder, deps: Dependencies): Promise<"enqueued" | "duplicate" | "ran"> {
  const due = epochMs(reminderDueAt(reminder));
  const at = Math.max(deps.now().getTime(), Math.min(due, deps.now().getTime() + MAX_TASK_DELAY_MS));
  const hops = Math.ceil((due - at) / MAX_TASK_DELAY_MS);
  const id = `reminder-${reminder.bookingId}-${epochMs(reminder.startTime)}-s${reminder.sequence}-${reminder.offsetMinutes}m-h${hops}`;
  return deps.reminderQueue.enqueue(reminder, { id, scheduleTime: new Date(at) });
}

export type ReminderRun = "sent" | "already-sent" | "skipped" | "rescheduled" | { notBefore: string };

/**
 * One run of a reminder's task. It is sent (to both parties, once: the notification's id names
 * the session time and offset) only while the booking is confirmed at the start and calendar
 * revision it was scheduled for; moved, cancelled or ended since, it is skipped. A run before
 * its time enqueues it for its time; `notBefore` when that task exists already (the queue ran
 * this one early, as the Cloud Tasks emulator does): the caller throws, and the queue retries.
 */
export async function runReminder(reminder: Reminder, deps: Dependencies): Promise<ReminderRun> {
  const now = deps.now();
  const decision = reminderDecision(reminder, await readBooking(reminder.bookingId), now);
  if (decision.kind === "skip") {
    log.info("reminder.skipped", { bookingId: reminder.bookingId, offsetMinutes: reminder.offsetMinutes, why: decision.why });
    return "skipped";
  }
  if (decision.kind === "wait") {
    const outcome = await enqueueReminder(reminder, deps);
    return outcome === "duplicate" ? { notBefore: decision.until } : "rescheduled";
  }
  const kind = reminderKind(reminder);
  return getDb().runTransaction(async (tx) => {
    const booking = (await tx.get(bookingDoc(reminder.bookingId))).data();
    if (reminderDecision(reminder, booking, now).kind !== "send" || !booking) return "skipped";
    const told = await tx.get(notificationDoc(notificationId({ bookingId: reminder.bookingId, kind, recipientId: booking.userId })));
    if (told.exists) return "already-sent";
    const body = `Your session starts at ${booking.startTime}.`;
    notifyParties(tx, reminder.bookingId, booking, { kind, topic: "reminder", title: "Session reminder", body }, now);
    return "sent";
  });
}
