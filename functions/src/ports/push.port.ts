/** What a push notification shows on a device, and the data an app reads to open the right screen. */
export interface PushMessage {
  title: string;
  body: string;
  /** String values only (FCM's `data` map). */
  data: Record<string, string>;
}

/**
 * What FCM answered for one token: `sent`; `unregistered` (the app was removed or the token
 * expired: prune it); `invalid` (FCM refuses the token itself: prune it too). Any other failure
 * (FCM unavailable, quota, auth) is thrown, so the delivery is tried again.
 */
export type PushOutcome = { kind: "sent"; messageId: string } | { kind: "unregistered" } | { kind: "invalid"; reason: string };

/** Sends one push to one device token (firebase-admin messaging in production). */
export interface PushSender {
  send(token: string, message: PushMessage): Promise<PushOutcome>;
}
