import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { listenOnLoopback, type LoopbackServer } from "./loopback-server.js";

/**
 * A stand-in for FCM's HTTP v1 send (`POST /v1/projects/{project}/messages:send`) on loopback,
 * answering as FCM does for what this backend sends: 401 without a Bearer token; 400
 * INVALID_ARGUMENT for a body that is not `{message}` with exactly one of token/topic/condition,
 * for `data` values that are not strings, and for a token that is not shaped like an FCM
 * registration token; 404 UNREGISTERED for a token it was told is dead; else
 * `200 {"name":"projects/<p>/messages/<id>"}`. firebase-admin reads the error's
 * `details[].errorCode` (FcmError) first, so those bodies carry it as FCM does.
 * Test and local-run support only: never imported by production code.
 */

export interface FcmSent {
  projectId: string;
  /** The device token ("" for a topic or condition send). */
  token: string;
  message: unknown;
}

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;
const FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";
// Registration tokens are an instance id, a colon, and a long opaque part (base64url alphabet).
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{8,}:[A-Za-z0-9_-]{20,}$/;

const FAILURE_STATUS: Record<number, string> = { 400: "INVALID_ARGUMENT", 429: "QUOTA_EXCEEDED", 500: "INTERNAL", 503: "UNAVAILABLE" };

class FcmAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

function googleError(code: number, status: string, message: string, details: unknown[] = []): FcmAnswer {
  return new FcmAnswer(code, { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } });
}

function invalidArgument(message: string, field?: string): FcmAnswer {
  const details =
    field === undefined
      ? [{ "@type": FCM_ERROR, errorCode: "INVALID_ARGUMENT" }]
      : [{ "@type": BAD_REQUEST, fieldViolations: [{ field, description: message }] }];
  return googleError(400, "INVALID_ARGUMENT", message, details);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class FakeFcm {
  readonly sent: FcmSent[] = [];
  /** Every request that reached the send route, answered or refused. */
  requests = 0;
  private readonly unregistered = new Set<string>();
  private failures: number[] = [];
  private server!: LoopbackServer;

  static async start(opts: { port?: number } = {}): Promise<FakeFcm> {
    const fake = new FakeFcm();
    fake.server = await listenOnLoopback((req, res) => fake.handle(req, res), opts.port);
    return fake;
  }

  /** A token FakeFcm accepts (shaped like an FCM registration token), distinct per label. */
  static token(label: string): string {
    return `${label.replace(/[^A-Za-z0-9_-]/g, "_").padEnd(8, "x")}:APA91b${randomBytes(24).toString("base64url")}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  /** Later sends to `token` answer 404 UNREGISTERED (the app was removed from the device). */
  unregister(token: string): void {
    this.unregistered.add(token);
  }

  /** The next `times` sends answer `status` (400 INVALID_ARGUMENT, 429 QUOTA_EXCEEDED, 500 INTERNAL, 503 UNAVAILABLE). */
  failNext(status: number, times = 1): void {
    for (let i = 0; i < times; i += 1) this.failures.push(status);
  }

  reset(): void {
    this.sent.length = 0;
    this.requests = 0;
    this.unregistered.clear();
    this.failures = [];
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = this.answer(req, Buffer.concat(chunks).toString("utf8"));
    res.writeHead(answer.status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(answer.body));
  }

  private answer(req: IncomingMessage, body: string): FcmAnswer {
    const match = SEND_PATH.exec(new URL(req.url ?? "/", "http://fcm").pathname);
    if (req.method !== "POST" || !match) return googleError(404, "NOT_FOUND", "Method not found.");
    this.requests += 1;
    const authorization = req.headers.authorization ?? "";
    if (!/^Bearer \S+$/.test(authorization)) {
      return googleError(
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      );
    }
    const failure = this.failures.shift();
    if (failure !== undefined) {
      const status = FAILURE_STATUS[failure] ?? "INTERNAL";
      const text = failure === 400 ? "Request contains an invalid argument." : "The service is currently unavailable.";
      return googleError(failure, status, text, [{ "@type": FCM_ERROR, errorCode: status }]);
    }
    const refused = this.check(body);
    if (refused instanceof FcmAnswer) return refused;
    const { message, token } = refused;
    if (token !== null && this.unregistered.has(token)) {
      return googleError(404, "NOT_FOUND", "Requested entity was not found.", [{ "@type": FCM_ERROR, errorCode: "UNREGISTERED" }]);
    }
    const projectId = decodeURIComponent(match[1] ?? "");
    this.sent.push({ projectId, token: token ?? "", message });
    return new FcmAnswer(200, { name: `projects/${projectId}/messages/${randomBytes(8).toString("hex")}` });
  }

  private check(body: string): FcmAnswer | { message: Record<string, unknown>; token: string | null } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return invalidArgument("Invalid JSON payload received.", "");
    }
    if (!isRecord(parsed) || !isRecord(parsed.message)) return invalidArgument("Request contains an invalid argument.", "message");
    const message = parsed.message;
    const targets = ["token", "topic", "condition"].filter((k) => message[k] !== undefined);
    if (targets.length !== 1) {
      return invalidArgument("Exactly one of token, topic or condition must be specified.", "message");
    }
    if (message.data !== undefined) {
      if (!isRecord(message.data)) return invalidArgument("Invalid value at 'message.data'.", "message.data");
      const notString = Object.entries(message.data).find(([, v]) => typeof v !== "string");
      if (notString) return invalidArgument(`Invalid value at 'message.data[${notString[0]}].value' (TYPE_STRING).`, "message.data");
    }
    if (message.notification !== undefined) {
      const n = message.notification;
      if (!isRecord(n) || Object.values(n).some((v) => typeof v !== "string")) {
        return invalidArgument("Invalid value at 'message.notification'.", "message.notification");
      }
    }
    if (message.token === undefined) return { message, token: null };
    if (typeof message.token !== "string" || !TOKEN_SHAPE.test(message.token)) {
      return invalidArgument("The registration token is not a valid FCM registration token");
    }
    return { message, token: message.token };
  }
}
