/**
 * A background write to Cal.com, carried out by the `calcomWrites` task queue so that triggers
 * stay inside Cal.com's rate limit. `key` names the occurrence (booking or coach, action,
 * target): the queue refuses a second task with the same key, so a retried trigger enqueues once.
 */
export type CalcomWrite =
  | { action: "booking"; bookingId: string; key: string }
  | { action: "coach-event-types"; coachId: string; key: string }
  /** A live Cal.com booking reconciliation found naming no current booking of ours: cancel it. */
  | { action: "calcom-orphan"; calcomBookingUid: string; coachId: string | null; key: string };

export interface CalcomWriteQueue {
  /** `duplicate`: a task with this key was already enqueued; `ran`: carried out at once (tests). */
  enqueue(write: CalcomWrite): Promise<"enqueued" | "duplicate" | "ran">;
}

/** A task id Cloud Tasks accepts: letters, digits, `-` and `_`, at most 500 characters. */
export function taskId(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 500);
}
