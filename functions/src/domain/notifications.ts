import { z } from "zod";
import type { Booking } from "./booking.js";
import { CentsSchema, CurrencySchema, MoneySchema } from "./money.js";
import { HOUR_MS, InstantSchema, MINUTE_MS, TimeZoneSchema, epochMs, isoFromMs } from "./time.js";

const MeetingUrlSchema = z.url({ protocol: /^https?$/ }).max(2_000);

/**
 * What a notification is about: each person turns email and push on or off per topic. The
 * notification's `kind` is finer (it names the occurrence, e.g. one move of several) and makes
 * its id; the topic is what preferences and wording go by.
 */
export const NOTIFICATION_TOPICS = [
  "booking-confirmed",
  "booking-moved",
  "booking-cancelled",
  "refund",
  "dispute",
  "reminder",
  "no-show",
  "session-settled",
  "payout",
] as const;
export const NotificationTopicSchema = z.enum(NOTIFICATION_TOPICS);
export type NotificationTopic = z.infer<typeof NotificationTopicSchema>;

export const CHANNELS = ["email", "push"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The session as it stood when the notification was made: the email and its calendar file are
 * rendered from this, never from a later state (a confirmation delivered after a move still
 * describes the time it confirmed).
 */
export const SessionFactsSchema = z.object({
  startTime: InstantSchema,
  endTime: InstantSchema,
  /** The calendar entry's revision: goes up with every move (SEQUENCE in the calendar file). */
  sequence: z.int().min(0),
  offeringId: z.string().min(1),
  coachId: z.string().min(1),
  studentId: z.string().min(1),
  /** The zone the student booked in. */
  studentTimeZone: TimeZoneSchema,
  priceCents: CentsSchema.nullable(),
  currency: CurrencySchema,
});
export type SessionFacts = z.output<typeof SessionFactsSchema>;

/** `notifications/{bookingId}_{kind}_{recipientId}`: what a person is told, in the app and through their channels. */
export const NotificationSchema = z.object({
  bookingId: z.string().min(1),
  recipientId: z.string().min(1),
  kind: z.string().min(1),
  /** Null on notifications stored before delivery existed: they are shown in the app only. */
  topic: NotificationTopicSchema.nullable().default(null),
  title: z.string(),
  body: z.string(),
  session: SessionFactsSchema.nullable().default(null),
  /** The money the notification is about: a refund's amount, a dispute's. */
  amount: MoneySchema.nullable().default(null),
  /** The calendar file the email carries: the entry added or updated (`request`), removed (`cancel`), or none. */
  calendar: z.enum(["request", "cancel"]).nullable().default(null),
  /** The session's link as Cal.com gave it with the change (the recipients are the two parties of a paid session). */
  meetingUrl: MeetingUrlSchema.nullable().default(null),
  /** Where a moved session started before. */
  previousStartTime: InstantSchema.nullable().default(null),
  createdAt: InstantSchema,
  readAt: InstantSchema.nullable().default(null),
});
export type Notification = z.output<typeof NotificationSchema>;
export const NOTIFICATION_INSTANT_FIELDS = ["createdAt", "readAt"] as const;

/** A link Cal.com gave, or null when it is not one a notification can carry (a step never fails for it). */
export function meetingLinkOrNull(url: string | null | undefined): string | null {
  return MeetingUrlSchema.safeParse(url).success ? (url ?? null) : null;
}

/**
 * The calendar revision of a booking: every move, ours or one made in Cal.com, gives it a new
 * Cal.com booking and keeps the one before in `previousCalcomBookingUids`. A move started and not
 * (yet) made leaves it as it is, so a reminder still goes out for a session that stays put.
 */
export function calendarSequence(booking: Pick<Booking, "previousCalcomBookingUids">): number {
  return booking.previousCalcomBookingUids.length;
}

/** A booking's session facts, at the times given (a move's new ones) or its own. */
export function sessionFacts(
  booking: Pick<
    Booking,
    "startTime" | "endTime" | "previousCalcomBookingUids" | "offeringId" | "coachId" | "userId" | "timeZone" | "priceCents" | "currency"
  >,
): SessionFacts {
  return {
    startTime: booking.startTime,
    endTime: booking.endTime,
    sequence: calendarSequence(booking),
    offeringId: booking.offeringId,
    coachId: booking.coachId,
    studentId: booking.userId,
    studentTimeZone: booking.timeZone,
    // Bookings stored before priceCents have only the total of their payments: no price is said.
    priceCents: booking.priceCents,
    currency: booking.currency,
  };
}

const ChannelSwitchesSchema = z.strictObject({ email: z.boolean().optional(), push: z.boolean().optional() });

/**
 * `notificationPreferences/{uid}`: per topic and channel, what the person turned off or on (a
 * topic or channel left out takes the default), and the zone their emails show times in.
 */
export const NotificationPreferencesSchema = z.object({
  channels: z.partialRecord(NotificationTopicSchema, ChannelSwitchesSchema).default({}),
  /** Null: the student's booking zone, the coach's availability zone. */
  timeZone: TimeZoneSchema.nullable().default(null),
  updatedAt: InstantSchema,
});
export type NotificationPreferences = z.output<typeof NotificationPreferencesSchema>;

/** Every topic on both channels: a person who never chose is told everything, once by email and once per device. */
export const DEFAULT_CHANNELS: Readonly<Record<Channel, boolean>> = { email: true, push: true };

/** The channels a notification of `topic` goes out on for a person with these preferences (none stored: the defaults). */
export function channelsFor(
  prefs: Pick<NotificationPreferences, "channels"> | undefined,
  topic: NotificationTopic,
): Record<Channel, boolean> {
  const chosen = prefs?.channels[topic] ?? {};
  return { email: chosen.email ?? DEFAULT_CHANNELS.email, push: chosen.push ?? DEFAULT_CHANNELS.push };
}

/** The reminders' offsets before the start, in minutes: 24 h and 1 h unless configured. */
export const DEFAULT_REMINDER_OFFSETS_MINUTES: readonly number[] = [24 * 60, 60];

/** Parses the REMINDER_OFFSETS_MINUTES parameter ("1440,60"): distinct positive whole minutes, largest first; empty turns reminders off. */
export function parseReminderOffsets(text: string): number[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const offsets = parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n <= 0 || n > 30 * 24 * 60)
      throw new RangeError(`reminder offsets are whole minutes between 1 and 43200, comma-separated: "${p}" is not`);
    return n;
  });
  return [...new Set(offsets)].sort((a, b) => b - a);
}

/**
 * One reminder of one session time: the booking, the start and calendar revision it was
 * scheduled for, and how long before the start it is due. It is sent only while the booking
 * still starts then at that revision.
 */
export const ReminderSchema = z.object({
  bookingId: z.string().min(1).max(128),
  startTime: InstantSchema,
  sequence: z.int().min(0),
  offsetMinutes: z
    .int()
    .min(1)
    .max(30 * 24 * 60),
});
export type Reminder = z.output<typeof ReminderSchema>;

export function reminderDueAt(reminder: Pick<Reminder, "startTime" | "offsetMinutes">): string {
  return isoFromMs(epochMs(reminder.startTime) - reminder.offsetMinutes * MINUTE_MS);
}

/** The reminders a live session has: one per offset whose time is still ahead. */
export function remindersOf(
  bookingId: string,
  booking: Pick<Booking, "status" | "paymentStatus" | "startTime" | "previousCalcomBookingUids">,
  offsets: readonly number[],
  now: Date,
): Reminder[] {
  if (booking.status !== "confirmed") return [];
  const sequence = calendarSequence(booking);
  return offsets
    .map((offsetMinutes) => ({ bookingId, startTime: booking.startTime, sequence, offsetMinutes }))
    .filter((r) => epochMs(reminderDueAt(r)) > now.getTime());
}

/** A reminder's kind: one per session time, revision and offset, so a retried task notifies once. */
export function reminderKind(reminder: Reminder): string {
  return `reminder-${reminder.offsetMinutes}m-s${reminder.sequence}-${epochMs(reminder.startTime)}`;
}

/** How early a reminder may go out (clocks differ a little between Cloud Tasks and us). */
const EARLY_TOLERANCE_MS = MINUTE_MS;

/**
 * What a reminder task does when it runs: `skip` when the session moved, was cancelled or ended
 * since (its start or revision differ, or it is no longer confirmed), or its start has passed;
 * `wait` until its time (the task is early); else `send`.
 */
export function reminderDecision(
  reminder: Reminder,
  booking: Pick<Booking, "status" | "startTime" | "previousCalcomBookingUids"> | undefined,
  now: Date,
): { kind: "skip"; why: string } | { kind: "wait"; until: string } | { kind: "send" } {
  if (!booking) return { kind: "skip", why: "booking-gone" };
  if (booking.status !== "confirmed") return { kind: "skip", why: `status-${booking.status}` };
  if (booking.startTime !== reminder.startTime || calendarSequence(booking) !== reminder.sequence) return { kind: "skip", why: "moved" };
  if (now.getTime() >= epochMs(reminder.startTime)) return { kind: "skip", why: "started" };
  const due = epochMs(reminderDueAt(reminder));
  if (now.getTime() < due - EARLY_TOLERANCE_MS) return { kind: "wait", until: reminderDueAt(reminder) };
  return { kind: "send" };
}

/** Cloud Tasks schedules at most 30 days ahead: a reminder further out is scheduled for this far and scheduled again from there. */
export const MAX_TASK_DELAY_MS = 29 * 24 * HOUR_MS;
