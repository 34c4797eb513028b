import { NOTIFICATION_TOPICS, channelsFor, type NotificationPreferences, type NotificationTopic } from "../../domain/notifications.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import { getDb, notificationPreferencesDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { SetNotificationPreferencesInput } from "./notifications.schemas.js";

/** What a person gets, every topic spelled out (defaults filled in), and the zone their emails use (null: the default). */
function effective(prefs: NotificationPreferences | undefined) {
  const channels = Object.fromEntries(NOTIFICATION_TOPICS.map((t) => [t, channelsFor(prefs, t)])) as Record<
    NotificationTopic,
    { email: boolean; push: boolean }
  >;
  return { channels, timeZone: prefs?.timeZone ?? null };
}

export async function getNotificationPreferences(caller: CallerContext) {
  const uid = requireUid(caller);
  return effective((await notificationPreferencesDoc(uid).get()).data());
}

/** Merges the caller's change into their stored preferences (the person's own document only). */
export async function setNotificationPreferences(
  input: SetNotificationPreferencesInput,
  caller: CallerContext,
  deps: Pick<Dependencies, "now">,
) {
  const uid = requireUid(caller);
  const ref = notificationPreferencesDoc(uid);
  const saved = await getDb().runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    const channels = { ...current?.channels };
    for (const [topic, switches] of Object.entries(input.channels ?? {}) as [NotificationTopic, { email?: boolean; push?: boolean }][])
      channels[topic] = { ...channels[topic], ...switches };
    const next: NotificationPreferences = {
      channels,
      timeZone: input.timeZone === undefined ? (current?.timeZone ?? null) : input.timeZone,
      updatedAt: deps.now().toISOString(),
    };
    tx.set(ref, next);
    return next;
  });
  log.info("notification-preferences.saved", { uid, topics: Object.keys(input.channels ?? {}).join(",") });
  return effective(saved);
}
