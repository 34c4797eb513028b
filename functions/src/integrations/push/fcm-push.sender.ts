import { Agent } from "node:https";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type { Messaging } from "firebase-admin/messaging";
import type { PushMessage, PushOutcome, PushSender } from "../../ports/push.port.js";

/**
 * PushSender on FCM HTTP v1 through firebase-admin's `messaging.send()`, one token per call.
 *
 * `apiUrl` null: the default app's messaging (production: its credential is the runtime's service
 * account). `apiUrl` set (the emulator and tests only; the caller guarantees it): FCM has no
 * emulator and firebase-admin has no setting for its host (fcm.googleapis.com is a constant), so a
 * named app sends through an agent whose every connection goes to `apiUrl`'s host and port in
 * plain HTTP, with a fake credential (no Google credentials exist under the emulator). The SDK's
 * own request, retry and error mapping code still runs. `send()` is HTTP/1.1 and honours the
 * agent; `sendEach()` would open its own HTTP/2 session to Google and is not used.
 */

const STANDIN_APP_PREFIX = "fcm-standin";

/** An HTTPS agent whose connections are plain TCP to one loopback address. */
class LoopbackAgent extends Agent {
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(): Duplex {
    return connect(this.port, this.host);
  }
}

async function loadMessaging(options: { projectId: string; apiUrl: string | null }): Promise<Messaging> {
  // Loaded at first send, not at import: most functions never push (cold start).
  const [{ getMessaging }, { getApps, initializeApp }] = await Promise.all([
    import("firebase-admin/messaging"),
    import("firebase-admin/app"),
  ]);
  if (options.apiUrl === null) return getMessaging();
  const url = new URL(options.apiUrl);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  // One named app per stand-in address and project, created once per process.
  const name = `${STANDIN_APP_PREFIX}-${options.projectId}-${url.hostname}-${port}`;
  const app =
    getApps().find((a) => a.name === name) ??
    initializeApp(
      {
        projectId: options.projectId,
        credential: { getAccessToken: () => Promise.resolve({ access_token: "owner", expires_in: 3600 }) },
        httpAgent: new LoopbackAgent(url.hostname, port),
      },
      name,
    );
  return getMessaging(app);
}

function errorCode(err: unknown): string | null {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** FCM refuses the token itself (not another part of the message): the token is useless. */
function isInvalidToken(err: unknown): boolean {
  const code = errorCode(err);
  if (code === "messaging/invalid-registration-token") return true;
  return code === "messaging/invalid-argument" && /registration token/i.test(errorMessage(err));
}

export function createFcmPushSender(options: { projectId: string; apiUrl: string | null }): PushSender {
  let messaging: Promise<Messaging> | undefined;
  return {
    async send(token: string, message: PushMessage): Promise<PushOutcome> {
      // A failed load (a bad URL) is not kept: the next send tries again.
      messaging ??= loadMessaging(options).catch((err: unknown) => {
        messaging = undefined;
        throw err;
      });
      try {
        const name = await (
          await messaging
        ).send({
          token,
          notification: { title: message.title, body: message.body },
          data: message.data,
          android: { priority: "high" },
          apns: { headers: { "apns-priority": "10" } },
        });
        return { kind: "sent", messageId: name };
      } catch (err) {
        if (errorCode(err) === "messaging/registration-token-not-registered") return { kind: "unregistered" };
        if (isInvalidToken(err)) return { kind: "invalid", reason: errorMessage(err) };
        throw err;
      }
    },
  };
}
