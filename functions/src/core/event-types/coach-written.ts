import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { isRetryable } from "../../shared/errors.js";
import { log } from "../../shared/logger.js";

/**
 * What a queued coach write does (`onCoachWritten` in features/offerings enqueues it), a plain function for in-process tests. Transient failures are
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
