import { isEmailAmong } from "./emails.js";
import { clashes, studentCutoffRefusal, type BufferedInterval, type SchedulingLimits } from "./limits.js";
import type { CancellationPolicy } from "./policy.js";
import { decideReschedule } from "./reschedule-policy.js";
import { epochMs } from "./time.js";

/** A rule of ours a move made in Cal.com broke, with why, for the admin who settles it. */
export interface MoveBreach {
  rule: "student-window" | "student-cutoff" | "overlap" | "other-event-type" | "other-length";
  message: string;
}

export interface CalcomMoveInput {
  /** The host (the coach) moved it, or anyone else (the attendee, or nobody Cal.com names): the student's rules. */
  by: "coach" | "student";
  now: Date;
  booking: {
    startTime: string;
    endTime: string;
    calcomEventTypeId: number | null;
    cancellationPolicy: CancellationPolicy;
    limits: SchedulingLimits | null;
  };
  /** Cal.com's own record of the new booking. */
  moved: { start: string; end: string; eventTypeId: number | null };
  /** The coach's other live sessions (their buffers kept). */
  others: BufferedInterval[];
}

/**
 * Who a move made in Cal.com is held to: the coach's rules only when Cal.com names one of the
 * booking's hosts as having moved it; the attendee, an organization admin, or nobody Cal.com
 * names is held to the student's. The webhook (the payload's `rescheduledBy` and organizer) and
 * reconciliation (Cal.com's record of the old booking) both decide with this one rule.
 */
export function calcomMover(input: {
  rescheduledBy: string | null | undefined;
  hostEmails: readonly (string | null | undefined)[];
}): "coach" | "student" {
  return isEmailAmong(input.rescheduledBy, input.hostEmails) ? "coach" : "student";
}

/**
 * Which of our rules a move made in Cal.com breaks (none: it keeps them). Cal.com checks only its
 * own availability: who may move a session and when (the booking's frozen policy window and the
 * student cut-off), our buffers around the coach's other sessions, and the price (the same event
 * type and length) are ours to check.
 */
export function judgeCalcomMove(input: CalcomMoveInput): MoveBreach[] {
  const { booking, moved } = input;
  const breaches: MoveBreach[] = [];
  if (input.by === "student") {
    const window = decideReschedule({
      by: "student",
      now: input.now.toISOString(),
      startTime: booking.startTime,
      policy: booking.cancellationPolicy,
    });
    if (!window.allowed) breaches.push({ rule: "student-window", message: window.reason });
    const cutoff = studentCutoffRefusal({
      startTime: booking.startTime,
      now: input.now,
      cutoffMinutes: booking.limits?.studentCutoffMinutes ?? 0,
      action: "move",
    });
    if (cutoff !== null) breaches.push({ rule: "student-cutoff", message: cutoff });
  }
  const wanted = {
    start: moved.start,
    end: moved.end,
    bufferBeforeMinutes: booking.limits?.bufferBeforeMinutes ?? 0,
    bufferAfterMinutes: booking.limits?.bufferAfterMinutes ?? 0,
  };
  if (input.others.some((other) => clashes(other, wanted)))
    breaches.push({ rule: "overlap", message: "The new time overlaps another session of the coach, buffers included." });
  if (moved.eventTypeId !== null && booking.calcomEventTypeId !== null && moved.eventTypeId !== booking.calcomEventTypeId) {
    breaches.push({ rule: "other-event-type", message: "The session was moved to another Cal.com event type, at another price." });
  }
  if (epochMs(moved.end) - epochMs(moved.start) !== epochMs(booking.endTime) - epochMs(booking.startTime)) {
    breaches.push({ rule: "other-length", message: "The new session does not last as long as the one paid for." });
  }
  return breaches;
}
