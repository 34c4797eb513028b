import { Timestamp } from "firebase-admin/firestore";
import { errorCodeOf } from "../../domain/errors.js";
import { busyUntil, rateLimitedUntil, retryAfterBlock, taskId, type CalcomWrite } from "../../ports/calcom-queue.port.js";
import { unfinishedCalcomWriteDoc, unfinishedCalcomWritesCollection } from "../../shared/firestore.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { log } from "../../shared/logger.js";
import { runCalcomBookingWrites, type CalcomWriteOutcome } from "./runner.js";
import { handleCoachWritten } from "../event-types/coach-written.js";

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

function unfinishedRef(write: Extract<CalcomWrite, { action: "calcom-orphan" }>) {
  return unfinishedCalcomWriteDoc(taskId(write.calcomBookingUid));
}

async function recordUnfinished(write: CalcomWrite, code: string, now: Date): Promise<void> {
  if (write.action !== "calcom-orphan") return;
  await unfinishedRef(write).set({
    write: { ...write, key: write.key.replace(/-after-\d+$/, "") },
    code,
    failedAt: Timestamp.fromDate(now),
  });
}

/** Enqueues again every orphan cancellation whose last run failed before `before` (the queue has had its go at it); returns their uids. */
export async function requeueUnfinishedWrites(
  options: { dryRun: boolean; runId: string; before: Date },
  deps: Pick<Dependencies, "calcomQueue">,
): Promise<string[]> {
  const snap = await unfinishedCalcomWritesCollection().where("failedAt", "<", Timestamp.fromDate(options.before)).limit(100).get();
  const requeued: string[] = [];
  for (const doc of snap.docs) {
    const { write } = doc.data();
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
    const { accountForCalcomWrite, accountOfRef } = await import("../calcom-accounts.repository.js");
    const account =
      write.calcomAccount && write.coachId !== null
        ? await accountOfRef(write.coachId, write.calcomAccount, deps)
        : await accountForCalcomWrite(write.coachId, deps);
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
