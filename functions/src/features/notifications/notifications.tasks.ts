import { onTaskDispatched } from "firebase-functions/v2/tasks";

/**
 * `sendReminder`: a session's reminder, run by Cloud Tasks at its time (enqueued when the session
 * is confirmed or moved). Skipped when the session moved, was cancelled or ended since. A run
 * before its time (the Cloud Tasks emulator runs tasks at once) throws, and the queue's retries
 * bring it back later: about 8 hours of them, enough for the local run's reminders.
 */
export const sendReminder = onTaskDispatched(
  { retryConfig: { maxAttempts: 60, minBackoffSeconds: 10, maxBackoffSeconds: 600, maxDoublings: 6 } },
  async (request) => {
    const [{ ReminderSchema }, { runReminder }, { getDependencies }] = await Promise.all([
      import("../../domain/notifications.js"),
      import("../../core/reminders.js"),
      import("../../composition-root.js"),
    ]);
    const outcome = await runReminder(ReminderSchema.parse(request.data), getDependencies());
    if (typeof outcome === "object") throw new Error(`reminder not due before ${outcome.notBefore}; the queue will retry it`);
  },
);
