import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { isRetryable } from "../../shared/errors.js";
import { log } from "../../shared/logger.js";

export const COACH_DOC = "coaches/{coachId}";

/**
 * The handler of `onCoachWritten`, a plain function for in-process tests. Transient failures are
 * rethrown so the platform retries (the function is deployed with retry); others are recorded on
 * the coach document for the coach to see.
 */
export async function handleCoachWritten(coachId: string, deps: Dependencies): Promise<void> {
  const { recordEventTypeSyncError, syncOfferingEventTypes } = await import("./event-type-sync.js");
  try {
    await syncOfferingEventTypes(coachId, deps);
  } catch (err) {
    if (err instanceof AppError && !isRetryable(err)) {
      log.warn("offerings.event-type-sync-failed", { coachId, code: err.code });
      await recordEventTypeSyncError(coachId, err, deps.now());
      return;
    }
    throw err;
  }
}

/**
 * `onCoachWritten`: offerings create, update and delete their Cal.com event types, through the
 * `calcomWrites` queue (keyed by the write that fired it, so a redelivered trigger enqueues once;
 * the sync itself does nothing when Cal.com already matches).
 */
export const onCoachWritten = onDocumentWritten({ document: COACH_DOC, retry: true }, async (event) => {
  if (!event.data?.after.exists) return;
  const coachId = event.params.coachId;
  const [{ getDependencies }, { markEventTypesWanted }] = await Promise.all([
    import("../../composition-root.js"),
    import("./event-type-sync.js"),
  ]);
  // Counted before the task exists, so that reconciliation finds it if the queue never runs it.
  await markEventTypesWanted(coachId, getDependencies().now());
  await getDependencies().calcomQueue.enqueue({ action: "coach-event-types", coachId, key: `coach-${coachId}-event-types-${event.id}` });
});
