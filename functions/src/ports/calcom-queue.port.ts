import { z } from "zod";
import { CalcomAccountRefSchema, type CalcomAccountRef } from "../domain/calcom-account.js";
import { AppError } from "../domain/errors.js";

/**
 * A background write to Cal.com, carried out by the `calcomWrites` task queue so that triggers
 * stay inside Cal.com's rate limit. `key` names the occurrence (booking or coach, action,
 * target): the queue refuses a second task with the same key, so a retried trigger enqueues once.
 */
export type CalcomWrite =
  | { action: "booking"; bookingId: string; key: string }
  | { action: "coach-event-types"; coachId: string; key: string }
  /** A live Cal.com booking reconciliation found naming no current booking of ours: cancel it. */
  | { action: "calcom-orphan"; calcomBookingUid: string; coachId: string | null; calcomAccount?: CalcomAccountRef; key: string };

/** What the queue's task carries (and an unfinished write records): a `CalcomWrite`, parsed. */
export const CalcomWriteSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("booking"), bookingId: z.string().min(1).max(128), key: z.string().min(1) }),
  z.object({ action: z.literal("coach-event-types"), coachId: z.string().min(1).max(128), key: z.string().min(1) }),
  z.object({
    action: z.literal("calcom-orphan"),
    calcomBookingUid: z.string().min(1).max(128),
    coachId: z.string().min(1).max(128).nullable(),
    /** The account it was listed in (absent on writes queued before it existed: the coach's current one, or the organization's). */
    calcomAccount: CalcomAccountRefSchema.optional(),
    key: z.string().min(1),
  }),
]);

export interface CalcomWriteQueue {
  /**
   * `duplicate`: a task with this key was already enqueued; `ran`: carried out at once (tests).
   * `scheduleTime`: not to run before then (the end of a rate-limit block).
   */
  enqueue(write: CalcomWrite, options?: { scheduleTime?: Date }): Promise<"enqueued" | "duplicate" | "ran">;
}

/** Past the block's end, so that the first call after it is not refused for a clock a little behind Cal.com's. */
const AFTER_BLOCK_MS = 1_000;

/**
 * When a write refused by Cal.com's rate limit may run again (the block's end), or null for any
 * other failure. A rate-limited call was not applied: waiting is all it needs, so it is not a
 * failed attempt.
 */
export function rateLimitedUntil(err: unknown, now: Date): Date | null {
  if (!(err instanceof AppError) || err.code !== "upstream/rate-limited") return null;
  const seconds = err.details?.retryAfterSeconds;
  return new Date(now.getTime() + (typeof seconds === "number" && seconds > 0 ? seconds * 1_000 : 0) + AFTER_BLOCK_MS);
}

/** How long a write waits when another run holds its lease (an event-type sync of the same coach). */
const LEASE_WAIT_MS = 5_000;

/**
 * When a write refused because another run of it is under way may run again, or null for any
 * other failure: not a failed attempt either, so it is enqueued again rather than retried.
 */
export function busyUntil(err: unknown, now: Date): Date | null {
  if (!(err instanceof AppError) || err.code !== "request/in-progress") return null;
  return new Date(now.getTime() + LEASE_WAIT_MS);
}

/** The same write again once a block ends: a task id of its own (the queue refuses one it has run), named after the instant. */
export function retryAfterBlock(write: CalcomWrite, at: Date): CalcomWrite {
  return { ...write, key: `${write.key.replace(/-after-\d+$/, "")}-after-${at.getTime()}` };
}

/** A task id Cloud Tasks accepts: letters, digits, `-` and `_`, at most 500 characters. */
export function taskId(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 500);
}
