import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { CalcomAccountRefSchema } from "../../domain/calcom-account.js";
import { errorCodeOf } from "../../domain/errors.js";
import { busyUntil, rateLimitedUntil, retryAfterBlock, taskId, type CalcomWrite } from "../../ports/calcom-queue.port.js";
import { getDb } from "../../shared/firestore.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { log } from "../../shared/logger.js";
import { runCalcomBookingWrites, type CalcomWriteOutcome } from "../bookings/booking-effects.js";
import { handleCoachWritten } from "../offerings/offerings.triggers.js";

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

/** Why an orphan is cancelled: Cal.com shows the host's reason to the attendee. */
export const ORPHAN_REASON = "This booking was not completed on the marketplace and has been released.";

/**
 * Carries out one queued Cal.com write; `retry` asks the queue to run it again after its backoff.
 * A write Cal.com's rate limit refused is no failure: it is enqueued again for the block's end
 * (its own task id) and this task is done, so no retry of the queue is spent on it.
 */
export async function runCalcomWrite(write: CalcomWrite, deps: Dependencies): Promise<"done" | "retry"> {
  let outcome: CalcomWriteOutcome;
  try {
    outcome = await carryOut(write, deps);
  } catch (err) {
    const blockEnds = rateLimitedUntil(err, deps.now()) ?? busyUntil(err, deps.now());
    if (blockEnds === null) {
      await recordUnfinished(write, errorCodeOf(err), deps.now());
      throw err;
    }
    outcome = { retryAt: blockEnds };
  }
  if (typeof outcome === "object") {
    await deps.calcomQueue.enqueue(retryAfterBlock(write, outcome.retryAt), { scheduleTime: outcome.retryAt });
    log.info("calcom-write.deferred", { key: write.key, retryAt: outcome.retryAt.toISOString() });
    return "done";
  }
  if (outcome === "retry") await recordUnfinished(write, "retry", deps.now());
  else if (write.action === "calcom-orphan") await unfinishedRef(write).delete();
  return outcome;
}

/**
 * `unfinishedCalcomWrites/{uid}`: an orphan's cancellation whose last run failed. The queue
 * retries it for a while; if it gives up, reconciliation finds it here and enqueues it again
 * (Cal.com lists a booking as changed only once, so it would not be found again). Booking writes
 * and event-type syncs need no such record: reconciliation finds them from their own state.
 */
const UnfinishedWriteSchema = z.object({ write: CalcomWriteSchema, code: z.string(), failedAt: z.instanceof(Timestamp) });

function unfinishedRef(write: Extract<CalcomWrite, { action: "calcom-orphan" }>) {
  return getDb().collection("unfinishedCalcomWrites").doc(taskId(write.calcomBookingUid));
}

async function recordUnfinished(write: CalcomWrite, code: string, now: Date): Promise<void> {
  if (write.action !== "calcom-orphan") return;
  await unfinishedRef(write).set(UnfinishedWriteSchema.parse({ write: { ...write, key: write.key.replace(/-after-\d+$/, "") }, code, failedAt: Timestamp.fromDate(now) }));
}

/** Enqueues again every orphan cancellation whose last run failed before `before` (the queue has had its go at it); returns their uids. */
export async function requeueUnfinishedWrites(options: { dryRun: boolean; runId: string; before: Date }, deps: Pick<Dependencies, "calcomQueue">): Promise<string[]> {
  const snap = await getDb().collection("unfinishedCalcomWrites").where("failedAt", "<", Timestamp.fromDate(options.before)).limit(100).get();
  const requeued: string[] = [];
  for (const doc of snap.docs) {
    const { write } = UnfinishedWriteSchema.parse(doc.data());
    requeued.push(doc.id);
    if (options.dryRun) continue;
    try {
      await deps.calcomQueue.enqueue({ ...write, key: `${write.key}-reconcile-${options.runId}` });
    } catch (err) {
      // Still recorded: the next run enqueues it again.
      log.warn("calcom-write.requeue-failed", { key: write.key, code: errorCodeOf(err) });
    }
  }
  return requeued;
}

async function carryOut(write: CalcomWrite, deps: Dependencies): Promise<CalcomWriteOutcome> {
  if (write.action === "booking") {
    const outcome = await runCalcomBookingWrites(write.bookingId, deps);
    log.info("calcom-write.done", { key: write.key, outcome: typeof outcome === "object" ? "rate-limited" : outcome });
    return outcome;
  }
  if (write.action === "calcom-orphan") {
    const { accountForCalcomWrite, accountOfRef } = await import("../calcom-accounts/calcom-accounts.repository.js");
    const account = write.calcomAccount && write.coachId !== null ? await accountOfRef(write.coachId, write.calcomAccount, deps.config) : await accountForCalcomWrite(write.coachId, deps.config);
    // Already cancelled counts as done (the gateway reads it back); other failures are retried.
    await deps.bookingCalendar.cancelBooking(account, write.calcomBookingUid, ORPHAN_REASON);
    log.info("calcom-write.done", { key: write.key, outcome: "orphan-cancelled" });
    return "done";
  }
  // Transient failures are rethrown by the handler: the queue retries them.
  await handleCoachWritten(write.coachId, deps);
  log.info("calcom-write.done", { key: write.key, outcome: "done" });
  return "done";
}
