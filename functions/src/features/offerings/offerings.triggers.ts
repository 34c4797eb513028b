import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { CALCOM_API_KEY } from "../../config/params.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { getDependencies } from "../../shared/dependencies.js";
import { log } from "../../shared/logger.js";
import { recordEventTypeSyncError, syncOfferingEventTypes } from "./offerings.service.js";

export const COACH_DOC = "coaches/{coachId}";

const TRANSIENT = new Set(["upstream/unavailable", "upstream/rate-limited", "request/in-progress"]);

/**
 * The handler of `onCoachWritten`, a plain function for in-process tests. Transient failures are
 * rethrown so the platform retries (the function is deployed with retry); others are recorded on
 * the coach document for the coach to see.
 */
export async function handleCoachWritten(coachId: string, deps: Dependencies): Promise<void> {
  try {
    await syncOfferingEventTypes(coachId, deps);
  } catch (err) {
    if (err instanceof AppError && !TRANSIENT.has(err.code)) {
      log.warn("offerings.event-type-sync-failed", { coachId, code: err.code });
      await recordEventTypeSyncError(coachId, err);
      return;
    }
    throw err;
  }
}

/** `onCoachWritten`: offerings create, update and delete their Cal.com event types. */
export const onCoachWritten = onDocumentWritten({ document: COACH_DOC, secrets: [CALCOM_API_KEY], retry: true }, async (event) => {
  await handleCoachWritten(event.params.coachId, getDependencies());
});
