import { onDocumentWritten } from "firebase-functions/v2/firestore";

export const COACH_DOC = "coaches/{coachId}";

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
    import("../../core/event-types/event-type-sync.js"),
  ]);
  // Counted before the task exists, so that reconciliation finds it if the queue never runs it.
  await markEventTypesWanted(coachId, getDependencies().now());
  await getDependencies().calcomQueue.enqueue({ action: "coach-event-types", coachId, key: `coach-${coachId}-event-types-${event.id}` });
});
