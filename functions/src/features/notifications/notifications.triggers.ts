import { onDocumentCreated } from "firebase-functions/v2/firestore";

/** A delivery still failing after this long is given up (the notification stays in the app). */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;

/**
 * `onNotificationCreated`: delivers a new notification by email (a `mail` document for the
 * Trigger Email extension) and push (FCM), per the recipient's preferences. Retried on failure
 * (a push FCM could not take); each channel sends once whatever the retries (core/notification-delivery.ts).
 */
export const onNotificationCreated = onDocumentCreated({ document: "notifications/{notificationId}", retry: true }, async (event) => {
  const [{ deliverNotification }, { getDependencies }, { log }] = await Promise.all([
    import("../../core/notification-delivery.js"),
    import("../../composition-root.js"),
    import("../../shared/logger.js"),
  ]);
  if (Date.now() - Date.parse(event.time) > GIVE_UP_AFTER_MS) {
    log.error("notification.delivery-abandoned", { notificationId: event.params.notificationId });
    return;
  }
  await deliverNotification(event.params.notificationId, getDependencies());
});
