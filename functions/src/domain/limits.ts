import { DateTime } from "luxon";
import { z } from "zod";
import { overlaps, type Interval } from "./availability.js";
import { MINUTE_MS, epochMs, isoFromMs } from "./time.js";

/**
 * The scheduling limits a coach sets (marketplace defaults, the coach's own, an offering's
 * override). Minutes and days are whole numbers; `bookingWindowDays` null means no window and
 * `slotIntervalMinutes` null means one slot per session length.
 */
/** The longest buffer a session may keep before or after it. */
export const MAX_BUFFER_MINUTES = 240;

export const SchedulingLimitsSchema = z.object({
  minimumNoticeMinutes: z
    .int()
    .min(0)
    .max(60 * 24 * 365),
  bookingWindowDays: z
    .int()
    .min(1)
    .max(3 * 365)
    .nullable(),
  bufferBeforeMinutes: z.int().min(0).max(MAX_BUFFER_MINUTES),
  bufferAfterMinutes: z.int().min(0).max(MAX_BUFFER_MINUTES),
  slotIntervalMinutes: z
    .int()
    .min(5)
    .max(12 * 60)
    .nullable(),
  /** Inside this many minutes before the start a student can no longer cancel or move the session (the coach always can). */
  studentCutoffMinutes: z
    .int()
    .min(0)
    .max(60 * 24 * 30),
  /** Live unpaid holds one student may have with this coach at once. */
  maxUnpaidHoldsPerCoach: z.int().min(1).max(10),
});
export type SchedulingLimits = z.output<typeof SchedulingLimitsSchema>;

/** A coach's or an offering's settings: any subset, laid over the defaults (then the coach's). */
export const SchedulingLimitsPatchSchema = SchedulingLimitsSchema.partial();
export type SchedulingLimitsPatch = z.output<typeof SchedulingLimitsPatchSchema>;

/** Marketplace defaults: Cal.com's own notice (120 min), no window, no buffers, no cut-off, one unpaid hold per coach. */
export const DEFAULT_SCHEDULING_LIMITS: SchedulingLimits = Object.freeze({
  minimumNoticeMinutes: 120,
  bookingWindowDays: null,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  slotIntervalMinutes: null,
  studentCutoffMinutes: 0,
  maxUnpaidHoldsPerCoach: 1,
});

/** Live unpaid holds one student may have across all coaches. */
export const MAX_UNPAID_HOLDS_TOTAL = 3;

/**
 * Live intervals a coach's calendar document holds at most (past ones are pruned at every
 * reservation). At most ~300 bytes each (a 128-character uid, ids, two instants, two buffers),
 * so the document stays under ~600 KB, well inside Firestore's 1 MiB per document.
 */
export const MAX_CALENDAR_INTERVALS = 2000;

/** How long an unpaid hold keeps its slot: Stripe's shortest Checkout expiry (30 min) plus margin. */
export const HOLD_MINUTES = 35;

export function effectiveLimits(coach: SchedulingLimitsPatch | undefined, offering: SchedulingLimitsPatch | undefined): SchedulingLimits {
  return { ...DEFAULT_SCHEDULING_LIMITS, ...coach, ...offering };
}

/**
 * The last instant (exclusive) a session may start under the booking window: the end of the day
 * `bookingWindowDays` after today, both days taken in the coach's time zone (so a window crossing
 * a daylight-saving change still ends at local midnight).
 */
export function windowEnd(limits: SchedulingLimits, now: Date, coachTimeZone: string): string | null {
  if (limits.bookingWindowDays === null) return null;
  const end = DateTime.fromJSDate(now, { zone: coachTimeZone })
    .startOf("day")
    .plus({ days: limits.bookingWindowDays + 1 });
  return isoFromMs(end.toMillis());
}

/** Why a session may not be booked at `start` under the limits, or null when it may. */
export function bookingRefusal(input: {
  start: string;
  now: Date;
  limits: SchedulingLimits;
  coachTimeZone: string;
}): { limit: "minimumNoticeMinutes" | "bookingWindowDays"; message: string } | null {
  const { limits } = input;
  const earliest = input.now.getTime() + limits.minimumNoticeMinutes * MINUTE_MS;
  if (epochMs(input.start) < earliest) {
    return {
      limit: "minimumNoticeMinutes",
      message: `This coach needs ${limits.minimumNoticeMinutes} minutes' notice: the earliest start now is ${isoFromMs(earliest)}.`,
    };
  }
  const end = windowEnd(limits, input.now, input.coachTimeZone);
  if (end !== null && epochMs(input.start) >= epochMs(end)) {
    return {
      limit: "bookingWindowDays",
      message: `This coach takes bookings up to ${limits.bookingWindowDays} days ahead: the last bookable start is before ${end}.`,
    };
  }
  return null;
}

/** An interval with the buffers its session keeps around it. */
export interface BufferedInterval extends Interval {
  bufferBeforeMinutes?: number | undefined;
  bufferAfterMinutes?: number | undefined;
}

function expand(i: BufferedInterval): Interval {
  return {
    start: isoFromMs(epochMs(i.start) - (i.bufferBeforeMinutes ?? 0) * MINUTE_MS),
    end: isoFromMs(epochMs(i.end) + (i.bufferAfterMinutes ?? 0) * MINUTE_MS),
  };
}

/**
 * Until when (epoch ms) a session keeps its coach busy: its end plus its after-buffer. A session
 * that has ended still blocks what starts inside its buffer, so it stays live until then.
 */
export function busyUntilMs(i: BufferedInterval): number {
  return epochMs(i.end) + (i.bufferAfterMinutes ?? 0) * MINUTE_MS;
}

/** Whether two sessions clash once each keeps its own buffers free (a buffer may touch, never overlap, the other session). */
export function clashes(a: BufferedInterval, b: BufferedInterval): boolean {
  return overlaps(expand(a), b) || overlaps(a, expand(b));
}

/** Why a student may no longer cancel or move a session, or null (coaches are never cut off). */
export function studentCutoffRefusal(input: {
  startTime: string;
  now: Date;
  cutoffMinutes: number;
  action: "cancel" | "move";
}): string | null {
  if (input.cutoffMinutes <= 0) return null;
  const cutoff = epochMs(input.startTime) - input.cutoffMinutes * MINUTE_MS;
  if (input.now.getTime() < cutoff) return null;
  const verb = input.action === "cancel" ? "cancel" : "move";
  return `Students cannot ${verb} a session less than ${input.cutoffMinutes} minutes before it starts (studentCutoffMinutes): that point passed at ${isoFromMs(cutoff)}. Ask the coach.`;
}
