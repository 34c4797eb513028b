import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DateTime } from "luxon";
import { OpenAPIBackend } from "openapi-backend";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { CALCOM_SUBSET_OPENAPI } from "./calcom-subset.openapi.js";
import { DeliveryPlan, WebhookSender, listenOnLoopback, type LoopbackServer } from "./loopback-server.js";

/**
 * A stateful stand-in for Cal.com's API v2 on loopback: users, schedules, event types (user and
 * organization-team ones), slots and bookings, with Cal.com's behaviours (docs/calcom.md, "What
 * Cal.com does"):
 * versioned routes, `{status,data}` envelopes and the real error envelope, lowercase REST
 * statuses, slots keyed by local date, a new uid on reschedule, 400 on confirming an accepted
 * booking or cancelling a cancelled one, a reason required for host cancels, and rate-limit
 * headers on every answer. Every request is validated against our own description of the subset
 * we use (calcom-subset.openapi.ts); a request that breaks it is answered 400 and recorded in
 * `violations`, which the tests assert empty. Test support only: never imported by production.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  operationId: string | null;
  status: number;
  /** When it arrived (the stand-in's clock, epoch ms). */
  at: number;
  /** Wall-clock time from arrival to the answer's end (ms): the far end's own latency. */
  durationMs: number;
}

export interface ContractViolation {
  method: string;
  path: string;
  errors: string[];
}

interface User {
  id: number;
  email: string;
  username: string;
  name: string;
  timeZone: string;
  defaultScheduleId: number | null;
  orgId: number | null;
  metadata: Record<string, string>;
}
interface AvailabilityRow {
  days: string[];
  startTime: string;
  endTime: string;
}
interface Schedule {
  id: number;
  ownerId: number;
  name: string;
  timeZone: string;
  isDefault: boolean;
  availability: AvailabilityRow[];
}
interface EventType {
  id: number;
  ownerId: number | null;
  teamId: number | null;
  hostIds: number[];
  title: string;
  slug: string;
  description: string;
  lengthInMinutes: number;
  scheduleId: number | null;
  hidden: boolean;
  bookingRequiresAuthentication: boolean;
  requiresConfirmation: boolean;
  blockUnconfirmed: boolean;
  minimumBookingNotice: number;
  beforeEventBuffer: number;
  afterEventBuffer: number;
  bookingWindow: Record<string, unknown> | null;
  slotInterval: number | null;
}
/** A user-level webhook (`/v2/webhooks`): Cal.com sends it the events of every event type the user hosts. */
export interface FakeUserWebhook {
  id: number;
  userId: number;
  subscriberUrl: string;
  triggers: string[];
  active: boolean;
  secret: string | null;
}
export type FakeBookingStatus = "accepted" | "pending" | "cancelled" | "rejected";
export interface FakeBooking {
  id: number;
  uid: string;
  eventTypeId: number;
  hostId: number;
  status: FakeBookingStatus;
  start: string;
  end: string;
  attendee: { name: string; email: string; timeZone: string };
  metadata: Record<string, string>;
  cancellationReason: string | null;
  cancelledByEmail?: string | null;
  rescheduledFromUid: string | null;
  rescheduledToUid: string | null;
  /** On the old booking of a move: the `rescheduledBy` the move named (Cal.com's v2 GET returns it). */
  rescheduledByEmail?: string | null;
  /** Marked absent through mark-absent: the host (`absentHost`), the attendee (`attendees[].absent`). */
  absentHost: boolean;
  attendeeAbsent: boolean;
  /** The video call link Cal.com made for the booking (its `location` and `meetingUrl`). */
  location: string;
  createdAt: string;
  updatedAt: string;
}
export type CalcomTrigger =
  | "BOOKING_REQUESTED"
  | "BOOKING_CREATED"
  | "BOOKING_CANCELLED"
  | "BOOKING_RESCHEDULED"
  | "BOOKING_REJECTED"
  | "BOOKING_NO_SHOW_UPDATED"
  | "MEETING_ENDED";

export interface WebhookDelivery {
  triggerEvent: CalcomTrigger;
  uid: string;
  url: string;
  /** The HTTP status our endpoint answered, or null when it could not be reached. */
  status: number | null;
  rawBody: string;
}

type Principal = { kind: "user"; userId: number } | { kind: "orgAdmin"; orgId: number; userId: number };

export interface FakeCalcomOptions {
  port?: number;
  /** The organization, its team and its admin key (organization mode). */
  orgId?: number;
  teamId?: number;
  orgAdminKey?: string;
  /** Calls per window per credential (Cal.com: 120 a minute, then blocked for 60 s). */
  rateLimit?: { limit: number; windowMs: number; blockMs: number };
  now?: () => number;
}

interface Fault {
  remaining: number;
  operationId: string | null;
  kind: "status" | "timeout" | "rate-limit" | "lost" | "delay";
  status: number;
  resetSeconds: number;
  delayMs?: number;
}

/** A failure Cal.com leaves to Nest's default filter: `{statusCode, message}`, not its own error envelope. */
class NestDefaultError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const DEFAULT_AVAILABILITY: AvailabilityRow[] = [{ days: DAY_NAMES.slice(0, 5), startTime: "09:00", endTime: "17:00" }];

/** A booking window as Cal.com keeps it: `{ disabled: true }` clears it. */
function windowOf(value: unknown): Record<string, unknown> | null {
  if (typeof value !== "object" || value === null || (value as { disabled?: unknown }).disabled === true) return null;
  return { ...(value as Record<string, unknown>) };
}

export class FakeCalcom {
  readonly requests: RecordedRequest[] = [];
  readonly violations: ContractViolation[] = [];
  readonly orgId: number;
  readonly teamId: number;
  readonly orgAdminKey: string;
  latencyMs = 0;
  /** How many injected faults have been served (every kind). */
  faultsInjected = 0;
  /** Every webhook delivery attempted (dropped ones are not attempted). */
  readonly webhookDeliveries: WebhookDelivery[] = [];

  private users = new Map<number, User>();
  private keys = new Map<string, Principal>();
  private schedules = new Map<number, Schedule>();
  private eventTypes = new Map<number, EventType>();
  private bookings = new Map<string, FakeBooking>();
  private memberships = new Map<string, { id: number; teamId: number; userId: number }>();
  private faults: Fault[] = [];
  private windows = new Map<string, { start: number; count: number; blockedUntil: number }>();
  private nextId = 1000;
  private subscribers: { url: string; secret: string | null }[] = [];
  private userWebhooks = new Map<number, FakeUserWebhook>();
  private webhookPlan = new DeliveryPlan();
  private holdingWebhooks = false;
  private heldWebhooks: { url: string; secret: string | null; rawBody: string; triggerEvent: CalcomTrigger; uid: string }[] = [];
  private sender = new WebhookSender();
  private rateLimit: { limit: number; windowMs: number; blockMs: number };
  private now: () => number;
  private readonly startClock: () => number;
  /** Bookings whose MEETING_ENDED has been sent (or dropped as overdue): Cal.com's scheduled job runs once. */
  private meetingsEnded = new Set<string>();
  private api!: OpenAPIBackend;
  private server!: LoopbackServer;

  private constructor(options: FakeCalcomOptions) {
    this.orgId = options.orgId ?? 1;
    this.teamId = options.teamId ?? 10;
    this.orgAdminKey = options.orgAdminKey ?? "cal_test_standin_key";
    this.rateLimit = options.rateLimit ?? { limit: 120, windowMs: 60_000, blockMs: 60_000 };
    this.now = options.now ?? Date.now;
    this.startClock = this.now;
  }

  /** The stand-in's "now" from here on (a test moving its clock past a session's start); `reset` restores the one it started with. */
  setClock(now: () => number): void {
    this.now = now;
  }

  /** Starts a stand-in on 127.0.0.1 (port 0 picks a free port). */
  static async start(options: FakeCalcomOptions = {}): Promise<FakeCalcom> {
    const fake = new FakeCalcom(options);
    fake.api = new OpenAPIBackend({
      definition: structuredClone(CALCOM_SUBSET_OPENAPI) as never,
      validate: true,
      strict: true,
      quick: false,
    });
    await fake.api.init();
    fake.seedOrganization();
    fake.server = await listenOnLoopback((req, res) => fake.handle(req, res), options.port);
    return fake;
  }

  /** Base URL as the client takes it (ends in /v2). */
  get url(): string {
    return `http://127.0.0.1:${this.server.port}/v2`;
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  /** Forgets every user, booking, fault and recorded request; keeps the organization. */
  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
    this.users.clear();
    this.keys.clear();
    this.schedules.clear();
    this.eventTypes.clear();
    this.bookings.clear();
    this.memberships.clear();
    this.faults = [];
    this.windows.clear();
    this.latencyMs = 0;
    this.subscribers = [];
    this.userWebhooks.clear();
    this.webhookPlan = new DeliveryPlan();
    this.holdingWebhooks = false;
    this.heldWebhooks = [];
    this.webhookDeliveries.length = 0;
    this.meetingsEnded.clear();
    this.now = this.startClock;
    this.seedOrganization();
  }

  // ---- webhooks ----

  /** Registers a subscriber for every booking trigger (`secret` null: Cal.com sends `no-secret-provided`). */
  subscribe(url: string, secret: string | null): void {
    this.subscribers.push({ url, secret });
  }
  /** The next `count` webhooks are never sent (Cal.com does not retry a failed delivery either). */
  dropNextWebhooks(count: number): void {
    this.webhookPlan.drop += count;
  }
  /** The next `count` webhooks are sent twice. */
  duplicateNextWebhooks(count: number): void {
    this.webhookPlan.duplicate += count;
  }
  /** Holds webhooks until `releaseWebhooks`, which can send them in reverse order. */
  holdWebhooks(): void {
    this.holdingWebhooks = true;
  }
  async releaseWebhooks(options: { reverse?: boolean } = {}): Promise<void> {
    this.holdingWebhooks = false;
    const held = options.reverse ? [...this.heldWebhooks].reverse() : [...this.heldWebhooks];
    this.heldWebhooks = [];
    for (const w of held) await this.deliver(w.url, w.secret, w.rawBody, w.triggerEvent, w.uid);
  }
  /** The deliveries held since the last call, oldest first, for the test to deliver itself (holding goes on). */
  takeHeldWebhooks(): { triggerEvent: CalcomTrigger; uid: string; rawBody: string; secret: string | null }[] {
    return this.heldWebhooks.splice(0).map((w) => ({ triggerEvent: w.triggerEvent, uid: w.uid, rawBody: w.rawBody, secret: w.secret }));
  }
  /** Waits until every webhook sent so far has been answered. */
  async flushWebhooks(): Promise<void> {
    await this.sender.flush();
  }

  /** A delivery of `triggerEvent` for booking `uid` as Cal.com would sign it with `secret` (benchmarks post these themselves). */
  signedWebhook(triggerEvent: CalcomTrigger, uid: string, secret: string): { rawBody: string; signature: string } {
    const rawBody = this.webhookBody(triggerEvent, this.requireBooking(uid));
    return { rawBody, signature: calcomSignature(rawBody, secret) };
  }

  /**
   * Runs Cal.com's scheduled MEETING_ENDED jobs that are due: one per accepted booking whose end
   * has passed, sent once. A job overdue by more than a day is dropped unsent (Cal.com's cron does
   * so); a cancelled booking, or the old booking of a move, has no job (Cal.com deletes it).
   * Returns the uids sent for.
   */
  endMeetings(): string[] {
    const now = this.now();
    const sent: string[] = [];
    for (const booking of this.listBookings()) {
      if (booking.status !== "accepted" || Date.parse(booking.end) > now || this.meetingsEnded.has(booking.uid)) continue;
      this.meetingsEnded.add(booking.uid);
      if (now - Date.parse(booking.end) > 24 * 3_600_000) continue;
      const targets = this.targetsOf("MEETING_ENDED", booking);
      if (targets.length > 0) this.send("MEETING_ENDED", booking, targets, this.meetingEndedBody(booking));
      sent.push(booking.uid);
    }
    return sent;
  }

  /** MEETING_ENDED's flat body: the booking row itself beside `triggerEvent`, no payload and no send time. */
  private meetingEndedBody(booking: FakeBooking): string {
    const host = this.users.get(booking.hostId);
    return JSON.stringify({
      triggerEvent: "MEETING_ENDED",
      id: booking.id,
      uid: booking.uid,
      eventTypeId: booking.eventTypeId,
      userId: booking.hostId,
      title: this.eventTypes.get(booking.eventTypeId)?.title ?? "",
      startTime: booking.start,
      endTime: booking.end,
      status: booking.status.toUpperCase(),
      location: booking.location,
      metadata: { ...booking.metadata, videoCallUrl: booking.location },
      createdAt: booking.createdAt,
      updatedAt: booking.updatedAt,
      noShowHost: booking.absentHost,
      user: host ? { id: host.id, name: host.name, email: host.email, username: host.username, timeZone: host.timeZone } : null,
      attendees: [{ ...booking.attendee, noShow: booking.attendeeAbsent }],
      userUuid: randomUUID(),
    });
  }

  /** The webhooks registered through the API in `userId`'s account. */
  webhooksOf(userId: number): FakeUserWebhook[] {
    return [...this.userWebhooks.values()].filter((w) => w.userId === userId);
  }

  private emit(triggerEvent: CalcomTrigger, booking: FakeBooking, extra: Record<string, unknown> = {}, withMetadata = true): void {
    // The test's subscribers hear every account; a user's own webhooks hear the bookings they host.
    const targets = this.targetsOf(triggerEvent, booking);
    if (targets.length === 0) return;
    this.send(triggerEvent, booking, targets, this.webhookBody(triggerEvent, booking, extra, withMetadata));
  }

  private targetsOf(triggerEvent: CalcomTrigger, booking: FakeBooking): { url: string; secret: string | null }[] {
    const own = this.webhooksOf(booking.hostId).filter((w) => w.active && w.triggers.includes(triggerEvent));
    return [...this.subscribers, ...own.map((w) => ({ url: w.subscriberUrl, secret: w.secret }))];
  }

  /** Sends one body to every target, held, dropped or duplicated as the test asked. */
  private send(
    triggerEvent: CalcomTrigger,
    booking: FakeBooking,
    targets: { url: string; secret: string | null }[],
    rawBody: string,
  ): void {
    for (const sub of targets) {
      const copies = this.webhookPlan.copiesOfNext();
      for (let i = 0; i < copies; i++) {
        if (this.holdingWebhooks) this.heldWebhooks.push({ url: sub.url, secret: sub.secret, rawBody, triggerEvent, uid: booking.uid });
        else void this.deliver(sub.url, sub.secret, rawBody, triggerEvent, booking.uid);
      }
    }
  }

  private webhookBody(triggerEvent: CalcomTrigger, booking: FakeBooking, extra: Record<string, unknown> = {}, withMetadata = true): string {
    const eventType = this.eventTypes.get(booking.eventTypeId);
    const host = this.users.get(booking.hostId);
    const payload = {
      type: eventType?.slug ?? "",
      title: eventType?.title ?? "",
      startTime: booking.start,
      endTime: booking.end,
      organizer: host
        ? { id: host.id, name: host.name, email: host.email, username: host.username, timeZone: host.timeZone, language: { locale: "en" } }
        : null,
      attendees: [{ ...booking.attendee, language: { locale: "en" } }],
      uid: booking.uid,
      bookingId: booking.id,
      eventTypeId: booking.eventTypeId,
      // Webhook statuses are uppercase where REST answers lowercase.
      status: booking.status.toUpperCase(),
      // Our metadata rides on requested, created-at-booking and rescheduled events only.
      metadata: withMetadata ? booking.metadata : {},
      length: eventType?.lengthInMinutes ?? 0,
      price: 0,
      currency: "usd",
      requiresConfirmation: eventType?.requiresConfirmation ?? false,
      ...extra,
    };
    return JSON.stringify({ triggerEvent, createdAt: new Date(this.now()).toISOString(), payload });
  }

  private deliver(url: string, secret: string | null, rawBody: string, triggerEvent: CalcomTrigger, uid: string): Promise<void> {
    const delivery: WebhookDelivery = { triggerEvent, uid, url, status: null, rawBody };
    this.webhookDeliveries.push(delivery);
    const headers = {
      "content-type": "application/json",
      "x-cal-signature-256": secret === null ? "no-secret-provided" : calcomSignature(rawBody, secret),
      "x-cal-webhook-version": "2021-10-20",
    };
    // Cal.com logs a failed delivery and moves on: no retry.
    return this.sender.post(url, headers, rawBody, (status) => {
      delivery.status = status;
    });
  }

  // ---- knobs for tests ----

  /** The next `count` calls (to `operationId`, or any) answer `status` with Cal.com's error envelope. */
  failNext(count: number, status: number, operationId: string | null = null): void {
    this.faults.push({ remaining: count, operationId, kind: "status", status, resetSeconds: 0 });
  }
  clearFaults(): void {
    this.faults = [];
  }
  /** The next `count` calls get no answer at all (the client's timeout must fire). */
  timeoutNext(count: number, operationId: string | null = null): void {
    this.faults.push({ remaining: count, operationId, kind: "timeout", status: 0, resetSeconds: 0 });
  }
  /** The next `count` calls are carried out, then the connection drops before the answer (a lost response). */
  loseNextResponses(count: number, operationId: string | null = null): void {
    this.faults.push({ remaining: count, operationId, kind: "lost", status: 0, resetSeconds: 0 });
  }
  /** The next `count` calls are carried out only after `ms` (a slow Cal.com: a later call may be applied first). */
  delayNext(count: number, ms: number, operationId: string | null = null): void {
    this.faults.push({ remaining: count, operationId, kind: "delay", status: 0, resetSeconds: 0, delayMs: ms });
  }
  /** Changes the per-credential limit (a simulation shortens the window); counting starts afresh. */
  setRateLimit(rateLimit: { limit: number; windowMs: number; blockMs: number }): void {
    this.rateLimit = rateLimit;
    this.windows.clear();
    this.windowPeaks.clear();
  }
  /** The most calls any one window of each credential ("anonymous" for public calls) has counted, as Cal.com counts them. */
  readonly windowPeaks = new Map<string, number>();
  /** The next `count` calls answer 429 with `X-RateLimit-Reset-Default: resetSeconds`. */
  rateLimitNext(count: number, resetSeconds: number, operationId: string | null = null): void {
    this.faults.push({ remaining: count, operationId, kind: "rate-limit", status: 429, resetSeconds });
  }

  /** Another API key for an existing user (a coach rotating their key). */
  addKey(userId: number): string {
    this.requireUser(userId);
    const apiKey = `cal_test_${randomUUID().replaceAll("-", "")}`;
    this.keys.set(apiKey, { kind: "user", userId });
    return apiKey;
  }

  /** A Cal.com account of its own (connected-account mode); returns its user and API key. */
  addUser(input: { email: string; timeZone?: string; name?: string }): { userId: number; apiKey: string; username: string } {
    const user = this.createUser(input.email, input.timeZone ?? "UTC", null, input.name);
    const apiKey = `cal_test_${randomUUID().replaceAll("-", "")}`;
    this.keys.set(apiKey, { kind: "user", userId: user.id });
    return { userId: user.id, apiKey, username: user.username };
  }

  /** A member of the organization made outside this backend (the org admin's colleague, a former coach), metadata optional. */
  addOrgMember(input: { email: string; metadata?: Record<string, string> }): { userId: number } {
    const user = this.createUser(input.email, "UTC", this.orgId);
    user.metadata = { ...(input.metadata ?? {}) };
    return { userId: user.id };
  }

  // ---- state inspection for tests ----

  callsTo(operationId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }
  listUsers(): User[] {
    return [...this.users.values()];
  }
  listSchedules(): Schedule[] {
    return [...this.schedules.values()];
  }
  listEventTypes(): EventType[] {
    return [...this.eventTypes.values()];
  }
  eventType(id: number): EventType | undefined {
    return this.eventTypes.get(id);
  }
  listBookings(): FakeBooking[] {
    return [...this.bookings.values()];
  }
  booking(uid: string): FakeBooking | undefined {
    return this.bookings.get(uid);
  }
  /** Puts a booking straight into Cal.com's state (e.g. one made in Cal.com's own booker). */
  seedBooking(input: { eventTypeId: number; start: string; status?: FakeBookingStatus; email?: string }): FakeBooking {
    const eventType = this.requireEventType(input.eventTypeId);
    return this.insertBooking(
      eventType,
      input.start,
      { name: "Seeded", email: input.email ?? "seeded@example.com", timeZone: "UTC" },
      {},
      input.status ?? "accepted",
    );
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k.toLowerCase()] = v;
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown = undefined;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const method = (req.method ?? "GET").toUpperCase();
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      headers,
      body,
      operationId: null,
      status: 0,
      at: this.now(),
      durationMs: 0,
    };
    this.requests.push(record);
    const arrived = performance.now();

    const send = (status: number, payload: unknown, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, {
        "content-type": "application/json",
        "x-request-id": randomUUID(),
        ...this.rateLimitHeaders(headers),
        ...extraHeaders,
      });
      res.end(JSON.stringify(payload));
      record.durationMs = performance.now() - arrived;
    };
    const sendError = (status: number, code: string, message: string, extraHeaders: Record<string, string> = {}) => {
      send(
        status,
        {
          status: "error",
          timestamp: new Date(this.now()).toISOString(),
          path: url.pathname,
          error: { code, message, details: { message, error: code, statusCode: status } },
        },
        extraHeaders,
      );
    };

    const operation = this.api.router.matchOperation({ method, path: url.pathname, headers, query });
    if (!operation) {
      this.violations.push({ method, path: url.pathname, errors: ["no operation in our description matches this method and path"] });
      sendError(404, "NotFoundException", `Cannot ${method} ${url.pathname}`);
      return;
    }
    record.operationId = operation.operationId ?? null;
    const validation = this.api.validator.validateRequest({ method, path: url.pathname, headers, query, body }, operation);
    if (!validation.valid) {
      const errors = (validation.errors ?? []).map((e) => `${e.instancePath || "(request)"} ${e.message ?? ""}`.trim());
      this.violations.push({ method, path: url.pathname, errors });
      sendError(400, "StandInContractViolation", `request breaks our Cal.com description: ${errors.join("; ")}`);
      return;
    }

    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    const fault = this.takeFault(record.operationId);
    if (fault) this.faultsInjected += 1;
    if (fault?.kind === "timeout") return; // never answer; the client aborts
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.delayMs ?? 0));
    if (fault?.kind === "rate-limit") {
      sendError(429, "ThrottlerException", "CustomThrottlerGuard - Too many requests. Please try again later.", {
        "x-ratelimit-remaining-default": "0",
        "x-ratelimit-reset-default": String(fault.resetSeconds),
      });
      return;
    }
    if (fault?.kind === "status") {
      sendError(fault.status, fault.status >= 500 ? "InternalServerErrorException" : "HttpException", "Injected failure");
      return;
    }
    const limited = this.consumeRateLimit(headers);
    if (limited !== null) {
      sendError(429, "ThrottlerException", "CustomThrottlerGuard - Too many requests. Please try again later.", {
        "x-ratelimit-remaining-default": "0",
        "x-ratelimit-reset-default": String(limited),
      });
      return;
    }

    try {
      const principal = this.authenticate(headers);
      const params = this.api.router.parseRequest({ method, path: url.pathname, headers, query, body }, operation).params as Record<
        string,
        string
      >;
      const result = this.dispatch(record.operationId ?? "", { principal, params, query, body, headers });
      if (fault?.kind === "lost") {
        record.status = -1;
        res.destroy();
        return;
      }
      const status = [
        "createSchedule",
        "createEventType",
        "createBooking",
        "rescheduleBooking",
        "createOrgUser",
        "createOrgUserSchedule",
        "createOrgTeamMembership",
        "createTeamEventType",
        "createWebhook",
      ].includes(record.operationId ?? "")
        ? 201
        : 200;
      send(status, { status: "success", data: result });
    } catch (err) {
      if (err instanceof HttpError) sendError(err.status, err.code, err.message);
      else if (err instanceof NestDefaultError) send(err.status, { statusCode: err.status, message: err.message });
      else sendError(500, "InternalServerErrorException", err instanceof Error ? err.message : "stand-in failure");
    }
  }

  private takeFault(operationId: string | null): Fault | null {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.operationId === null || f.operationId === operationId));
    if (!fault) return null;
    fault.remaining -= 1;
    return fault;
  }

  private tracker(headers: Record<string, string>): string {
    const auth = headers.authorization;
    return auth?.startsWith("Bearer ") ? auth.slice(7) : "anonymous";
  }

  private rateLimitHeaders(headers: Record<string, string>): Record<string, string> {
    const w = this.windows.get(this.tracker(headers));
    const now = this.now();
    const remaining = w ? Math.max(0, this.rateLimit.limit - w.count) : this.rateLimit.limit;
    const resetMs = w
      ? w.blockedUntil > now
        ? w.blockedUntil - now
        : Math.max(0, w.start + this.rateLimit.windowMs - now)
      : this.rateLimit.windowMs;
    return {
      "x-ratelimit-limit-default": String(this.rateLimit.limit),
      "x-ratelimit-remaining-default": String(remaining),
      "x-ratelimit-reset-default": String(Math.ceil(resetMs / 1000)),
    };
  }

  /** Counts a call; returns the seconds to wait when the credential is over its limit. */
  private consumeRateLimit(headers: Record<string, string>): number | null {
    const key = this.tracker(headers);
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || (now >= w.start + this.rateLimit.windowMs && now >= w.blockedUntil)) {
      w = { start: now, count: 0, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    if (w.blockedUntil > now) return Math.ceil((w.blockedUntil - now) / 1000);
    w.count += 1;
    this.windowPeaks.set(key, Math.max(this.windowPeaks.get(key) ?? 0, w.count));
    if (w.count > this.rateLimit.limit) {
      w.blockedUntil = now + this.rateLimit.blockMs;
      return Math.ceil(this.rateLimit.blockMs / 1000);
    }
    return null;
  }

  private authenticate(headers: Record<string, string>): Principal | null {
    const auth = headers.authorization;
    if (!auth) return null;
    const principal = this.keys.get(auth.replace(/^Bearer /, ""));
    if (!principal) throw new HttpError(401, "UnauthorizedException", "CustomThrottlerGuard - Invalid API Key");
    return principal;
  }

  // ---- operations ----

  private dispatch(
    operationId: string,
    ctx: {
      principal: Principal | null;
      params: Record<string, string | number>;
      query: Record<string, string>;
      body: unknown;
      headers: Record<string, string>;
    },
  ): unknown {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const p = ctx.params;
    switch (operationId) {
      case "getMe":
        return this.userOut(this.requireUser(this.requirePrincipal(ctx.principal).userId));
      case "listSchedules":
        return this.listSchedules().filter((s) => s.ownerId === this.requirePrincipal(ctx.principal).userId);
      case "createSchedule":
        return this.createSchedule(this.requirePrincipal(ctx.principal).userId, body);
      case "updateSchedule":
        return this.updateSchedule(this.requirePrincipal(ctx.principal).userId, Number(p.scheduleId), body);
      case "listEventTypes":
        return this.listEventTypesFor(ctx.principal, ctx.query).map((e) => this.eventTypeOut(e));
      case "createEventType":
        return this.eventTypeOut(this.createEventType(this.requirePrincipal(ctx.principal).userId, null, body));
      case "updateEventType":
        return this.eventTypeOut(this.updateEventType(this.ownedEventType(ctx.principal, Number(p.eventTypeId)), body));
      case "deleteEventType":
        return this.deleteEventType(this.ownedEventType(ctx.principal, Number(p.eventTypeId)));
      case "listOrgUsers": {
        this.requireOrgAdmin(ctx.principal, Number(p.orgId));
        const emails = (ctx.query.emails ?? "").split(",").filter(Boolean);
        return this.listUsers()
          .filter((u) => u.orgId === Number(p.orgId) && (emails.length === 0 || emails.includes(u.email)))
          .map((u) => this.userOut(u));
      }
      case "createOrgUser": {
        const orgId = Number(p.orgId);
        this.requireOrgAdmin(ctx.principal, orgId);
        const email = String(body.email);
        // Cal.com checks the organization's members first (organizations-users.service.ts).
        if (this.listUsers().some((u) => u.email === email))
          throw new HttpError(409, "ConflictException", "A user already exists with that email");
        const user = this.createUser(email, typeof body.timeZone === "string" ? body.timeZone : "UTC", orgId);
        user.metadata = { ...((body.metadata as Record<string, string> | undefined) ?? {}) };
        return this.userOut(user);
      }
      case "listOrgUserSchedules": {
        const user = this.orgUser(ctx.principal, Number(p.orgId), Number(p.userId));
        return this.listSchedules().filter((s) => s.ownerId === user.id);
      }
      case "createOrgUserSchedule": {
        const user = this.orgUser(ctx.principal, Number(p.orgId), Number(p.userId));
        return this.createSchedule(user.id, body);
      }
      case "updateOrgUserSchedule": {
        const user = this.orgUser(ctx.principal, Number(p.orgId), Number(p.userId));
        return this.updateSchedule(user.id, Number(p.scheduleId), body);
      }
      case "createOrgTeamMembership": {
        this.requireTeam(ctx.principal, Number(p.orgId), Number(p.teamId));
        const user = this.orgUser(ctx.principal, Number(p.orgId), Number(body.userId));
        const key = `${p.teamId}:${user.id}`;
        if (this.memberships.has(key))
          throw new HttpError(409, "ConflictException", "Invalid Input: Trying to create a record that already exists.");
        const membership = { id: this.id(), teamId: Number(p.teamId), userId: user.id, role: "MEMBER", accepted: true };
        this.memberships.set(key, membership);
        return membership;
      }
      case "listTeamEventTypes": {
        this.requireTeam(ctx.principal, Number(p.orgId), Number(p.teamId));
        return this.listEventTypes()
          .filter((e) => e.teamId === Number(p.teamId) && (!ctx.query.eventSlug || e.slug === ctx.query.eventSlug))
          .map((e) => this.eventTypeOut(e));
      }
      case "createTeamEventType": {
        const teamId = Number(p.teamId);
        this.requireTeam(ctx.principal, Number(p.orgId), teamId);
        const hosts = (body.hosts as { userId: number }[] | undefined) ?? [];
        for (const h of hosts) {
          if (!this.memberships.has(`${teamId}:${h.userId}`))
            throw new HttpError(400, "BadRequestException", `User with id ${h.userId} is not a member of team ${teamId}`);
        }
        return this.eventTypeOut(
          this.createEventType(
            null,
            teamId,
            body,
            hosts.map((h) => h.userId),
          ),
        );
      }
      case "updateTeamEventType":
        return this.eventTypeOut(
          this.updateEventType(this.teamEventType(ctx.principal, Number(p.orgId), Number(p.teamId), Number(p.eventTypeId)), body),
        );
      case "deleteTeamEventType":
        return this.deleteEventType(this.teamEventType(ctx.principal, Number(p.orgId), Number(p.teamId), Number(p.eventTypeId)));
      case "listWebhooks": {
        const take = ctx.query.take ? Number(ctx.query.take) : 250;
        return this.webhooksOf(this.requirePrincipal(ctx.principal).userId)
          .slice(0, take)
          .map((w) => this.webhookOut(w));
      }
      case "createWebhook": {
        const hook: FakeUserWebhook = {
          id: this.id(),
          userId: this.requirePrincipal(ctx.principal).userId,
          subscriberUrl: "",
          triggers: [],
          active: true,
          secret: null,
        };
        this.userWebhooks.set(hook.id, Object.assign(hook, this.webhookFields(body)));
        return this.webhookOut(hook);
      }
      case "updateWebhook": {
        const hook = this.userWebhooks.get(Number(p.webhookId));
        if (!hook || hook.userId !== this.requirePrincipal(ctx.principal).userId)
          throw new HttpError(404, "NotFoundException", `Webhook (${p.webhookId}) not found`);
        Object.assign(hook, this.webhookFields(body));
        return this.webhookOut(hook);
      }
      case "getSlots":
        return this.slots(ctx.query);
      case "createBooking":
        return this.bookingOut(this.createBooking(ctx.principal, body));
      case "getBooking":
        return this.bookingOut(this.requireBooking(String(p.bookingUid)));
      case "listBookings":
        return this.listBookingsFor(this.requirePrincipal(ctx.principal), ctx.query).map((b) => this.bookingOut(b));
      case "confirmBooking":
        return this.bookingOut(this.confirm(ctx.principal, String(p.bookingUid)));
      case "declineBooking":
        return this.bookingOut(this.decline(ctx.principal, String(p.bookingUid), typeof body.reason === "string" ? body.reason : null));
      case "cancelBooking":
        return this.bookingOut(
          this.cancel(ctx.principal, String(p.bookingUid), typeof body.cancellationReason === "string" ? body.cancellationReason : null),
        );
      case "rescheduleBooking":
        return this.bookingOut(this.reschedule(String(p.bookingUid), body));
      case "markAbsent":
        return this.bookingOut(this.markAbsent(ctx.principal, String(p.bookingUid), body));
      default:
        throw new HttpError(404, "NotFoundException", `Cannot handle ${operationId}`);
    }
  }

  private webhookFields(body: Record<string, unknown>): Partial<FakeUserWebhook> {
    const out: Partial<FakeUserWebhook> = {};
    if (typeof body.subscriberUrl === "string") out.subscriberUrl = body.subscriberUrl;
    if (Array.isArray(body.triggers)) out.triggers = body.triggers.map(String);
    if (typeof body.active === "boolean") out.active = body.active;
    if (typeof body.secret === "string") out.secret = body.secret;
    return out;
  }

  private webhookOut(w: FakeUserWebhook): Record<string, unknown> {
    // Cal.com answers the secret too; our client never reads it.
    return {
      id: w.id,
      userId: w.userId,
      subscriberUrl: w.subscriberUrl,
      triggers: w.triggers,
      active: w.active,
      payloadTemplate: "",
      ...(w.secret === null ? {} : { secret: w.secret }),
    };
  }

  private id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  private seedOrganization(): void {
    const admin = this.createUser(`admin@org${this.orgId}.example.com`, "UTC", this.orgId, "Org admin");
    this.keys.set(this.orgAdminKey, { kind: "orgAdmin", orgId: this.orgId, userId: admin.id });
  }

  private createUser(email: string, timeZone: string, orgId: number | null, name?: string): User {
    const base =
      email
        .split("@")[0]
        ?.replace(/[^a-z0-9-]/gi, "-")
        .toLowerCase() ?? "user";
    let username = base;
    for (let n = 2; this.listUsers().some((u) => u.username === username); n++) username = `${base}-${n}`;
    const user: User = { id: this.id(), email, username, name: name ?? base, timeZone, defaultScheduleId: null, orgId, metadata: {} };
    this.users.set(user.id, user);
    return user;
  }

  private requirePrincipal(principal: Principal | null): Principal {
    if (!principal) throw new HttpError(401, "UnauthorizedException", "No authorization header provided");
    return principal;
  }
  private requireUser(id: number): User {
    const user = this.users.get(id);
    if (!user) throw new HttpError(404, "NotFoundException", `User with id ${id} not found`);
    return user;
  }
  private requireOrgAdmin(principal: Principal | null, orgId: number): void {
    const p = this.requirePrincipal(principal);
    if (p.kind !== "orgAdmin" || p.orgId !== orgId)
      throw new HttpError(403, "ForbiddenException", "You are not an admin of this organization");
  }
  private requireTeam(principal: Principal | null, orgId: number, teamId: number): void {
    this.requireOrgAdmin(principal, orgId);
    if (teamId !== this.teamId) throw new HttpError(404, "NotFoundException", `Team with id ${teamId} not found`);
  }
  private orgUser(principal: Principal | null, orgId: number, userId: number): User {
    this.requireOrgAdmin(principal, orgId);
    const user = this.users.get(userId);
    if (!user || user.orgId !== orgId)
      throw new HttpError(404, "NotFoundException", `User with id ${userId} is not part of organization ${orgId}`);
    return user;
  }

  private createSchedule(ownerId: number, body: Record<string, unknown>): Schedule {
    const schedule: Schedule = {
      id: this.id(),
      ownerId,
      name: String(body.name),
      timeZone: String(body.timeZone),
      isDefault: body.isDefault === true,
      availability: (body.availability as AvailabilityRow[] | undefined) ?? DEFAULT_AVAILABILITY,
    };
    this.schedules.set(schedule.id, schedule);
    if (schedule.isDefault) this.setDefault(ownerId, schedule.id);
    return schedule;
  }

  private updateSchedule(ownerId: number, id: number, body: Record<string, unknown>): Schedule {
    const schedule = this.schedules.get(id);
    if (!schedule) throw new HttpError(404, "NotFoundException", `Schedule with ID=${id} does not exist.`);
    if (schedule.ownerId !== ownerId)
      throw new HttpError(403, "ForbiddenException", `User with ID=${ownerId} does not own schedule with ID=${id}`);
    if (typeof body.name === "string") schedule.name = body.name;
    if (typeof body.timeZone === "string") schedule.timeZone = body.timeZone;
    // Passing availability replaces every weekly row.
    if (Array.isArray(body.availability)) schedule.availability = body.availability as AvailabilityRow[];
    if (body.isDefault === true) this.setDefault(ownerId, id);
    return schedule;
  }

  private setDefault(ownerId: number, scheduleId: number): void {
    for (const s of this.schedules.values()) if (s.ownerId === ownerId) s.isDefault = s.id === scheduleId;
    const user = this.users.get(ownerId);
    if (user) user.defaultScheduleId = scheduleId;
  }

  private listEventTypesFor(principal: Principal | null, query: Record<string, string>): EventType[] {
    return this.listEventTypes().filter((e) => {
      if (e.ownerId === null) return false;
      const owner = this.users.get(e.ownerId);
      if (query.username && owner?.username !== query.username) return false;
      if (!query.username && (principal === null || principal.userId !== e.ownerId)) return false;
      if (query.eventSlug && e.slug !== query.eventSlug) return false;
      return !e.hidden || principal?.userId === e.ownerId;
    });
  }

  private createEventType(ownerId: number | null, teamId: number | null, body: Record<string, unknown>, hostIds: number[] = []): EventType {
    const slug = String(body.slug);
    const clash = this.listEventTypes().some((e) => e.slug === slug && (ownerId !== null ? e.ownerId === ownerId : e.teamId === teamId));
    // As Cal.com: 400, not 409. A user's own event type is checked before the insert
    // (event-types.service.ts checkCanCreateEventType); a team's trips the unique index, which
    // Cal.com's create handler re-throws as a tRPC BAD_REQUEST.
    if (clash && ownerId !== null) throw new HttpError(400, "BadRequestException", "User already has an event type with this slug.");
    if (clash) throw new HttpError(400, "TRPCError", "URL Slug already exists for given user.");
    if (typeof body.scheduleId === "number") {
      const schedule = this.schedules.get(body.scheduleId);
      if (!schedule || schedule.ownerId !== ownerId)
        throw new HttpError(400, "BadRequestException", `Schedule with id ${body.scheduleId} is not owned by the user`);
    }
    const policy = body.confirmationPolicy as { type?: string; blockUnconfirmedBookingsInBooker?: boolean } | undefined;
    const eventType: EventType = {
      id: this.id(),
      ownerId,
      teamId,
      hostIds: ownerId !== null ? [ownerId] : hostIds,
      title: String(body.title),
      slug,
      description: typeof body.description === "string" ? body.description : "",
      lengthInMinutes: Number(body.lengthInMinutes),
      scheduleId: typeof body.scheduleId === "number" ? body.scheduleId : null,
      hidden: body.hidden === true,
      bookingRequiresAuthentication: body.bookingRequiresAuthentication === true,
      requiresConfirmation: policy?.type === "always",
      blockUnconfirmed: policy?.blockUnconfirmedBookingsInBooker === true,
      // Cal.com's default minimum booking notice is 120 minutes.
      minimumBookingNotice: typeof body.minimumBookingNotice === "number" ? body.minimumBookingNotice : 120,
      beforeEventBuffer: typeof body.beforeEventBuffer === "number" ? body.beforeEventBuffer : 0,
      afterEventBuffer: typeof body.afterEventBuffer === "number" ? body.afterEventBuffer : 0,
      bookingWindow: windowOf(body.bookingWindow),
      slotInterval: typeof body.slotInterval === "number" ? body.slotInterval : null,
    };
    this.eventTypes.set(eventType.id, eventType);
    return eventType;
  }

  private updateEventType(eventType: EventType, body: Record<string, unknown>): EventType {
    if (typeof body.title === "string") eventType.title = body.title;
    if (typeof body.slug === "string") eventType.slug = body.slug;
    if (typeof body.description === "string") eventType.description = body.description;
    if (typeof body.lengthInMinutes === "number") eventType.lengthInMinutes = body.lengthInMinutes;
    if (typeof body.scheduleId === "number") eventType.scheduleId = body.scheduleId;
    if (typeof body.hidden === "boolean") eventType.hidden = body.hidden;
    if (typeof body.bookingRequiresAuthentication === "boolean")
      eventType.bookingRequiresAuthentication = body.bookingRequiresAuthentication;
    const policy = body.confirmationPolicy as { type?: string; blockUnconfirmedBookingsInBooker?: boolean } | undefined;
    if (policy) {
      eventType.requiresConfirmation = policy.type === "always";
      eventType.blockUnconfirmed = policy.blockUnconfirmedBookingsInBooker === true;
    }
    if (Array.isArray(body.hosts)) eventType.hostIds = (body.hosts as { userId: number }[]).map((h) => h.userId);
    if (typeof body.minimumBookingNotice === "number") eventType.minimumBookingNotice = body.minimumBookingNotice;
    if (typeof body.beforeEventBuffer === "number") eventType.beforeEventBuffer = body.beforeEventBuffer;
    if (typeof body.afterEventBuffer === "number") eventType.afterEventBuffer = body.afterEventBuffer;
    if (body.bookingWindow !== undefined) eventType.bookingWindow = windowOf(body.bookingWindow);
    if (typeof body.slotInterval === "number") eventType.slotInterval = body.slotInterval;
    return eventType;
  }

  private deleteEventType(eventType: EventType): unknown {
    this.eventTypes.delete(eventType.id);
    return { id: eventType.id, lengthInMinutes: eventType.lengthInMinutes, title: eventType.title, slug: eventType.slug };
  }

  private requireEventType(id: number): EventType {
    const eventType = this.eventTypes.get(id);
    if (!eventType) throw new HttpError(404, "NotFoundException", `Event type with id ${id} not found.`);
    return eventType;
  }
  private ownedEventType(principal: Principal | null, id: number): EventType {
    const p = this.requirePrincipal(principal);
    const eventType = this.requireEventType(id);
    if (eventType.ownerId !== p.userId) throw new HttpError(403, "ForbiddenException", `User is not the owner of event type ${id}`);
    return eventType;
  }
  private teamEventType(principal: Principal | null, orgId: number, teamId: number, id: number): EventType {
    this.requireTeam(principal, orgId, teamId);
    const eventType = this.requireEventType(id);
    if (eventType.teamId !== teamId) throw new HttpError(404, "NotFoundException", `Event type with id ${id} not found.`);
    return eventType;
  }

  // ---- slots ----

  private hostOf(eventType: EventType): User | null {
    const hostId = eventType.hostIds[0];
    return hostId === undefined ? null : (this.users.get(hostId) ?? null);
  }

  private scheduleFor(eventType: EventType): Schedule | null {
    const host = this.hostOf(eventType);
    const scheduleId = eventType.scheduleId ?? host?.defaultScheduleId ?? null;
    return scheduleId === null ? null : (this.schedules.get(scheduleId) ?? null);
  }

  /** Free slot starts (epoch ms) of an event type between two instants. */
  private freeSlotStarts(eventType: EventType, fromMs: number, toMs: number, ignoreUid: string | null = null): number[] {
    const schedule = this.scheduleFor(eventType);
    const host = this.hostOf(eventType);
    if (!schedule || !host) return [];
    const lengthMs = eventType.lengthInMinutes * 60_000;
    const earliest = this.now() + eventType.minimumBookingNotice * 60_000;
    const busy = this.listBookings().filter(
      (b) =>
        b.uid !== ignoreUid &&
        b.hostId === host.id &&
        (b.status === "accepted" || (b.status === "pending" && b.eventTypeId === eventType.id && eventType.blockUnconfirmed)),
    );
    const starts: number[] = [];
    let day = DateTime.fromMillis(fromMs, { zone: schedule.timeZone }).startOf("day").minus({ days: 1 });
    const last = DateTime.fromMillis(toMs, { zone: schedule.timeZone }).startOf("day");
    for (; day <= last; day = day.plus({ days: 1 })) {
      const dayName = DAY_NAMES[day.weekday - 1] ?? "";
      for (const row of schedule.availability) {
        if (!row.days.includes(dayName)) continue;
        const [sh, sm] = row.startTime.split(":").map(Number);
        const [eh, em] = row.endTime.split(":").map(Number);
        const rowStart = day.set({ hour: sh ?? 0, minute: sm ?? 0 }).toMillis();
        const rowEnd = day.set({ hour: eh ?? 0, minute: em ?? 0 }).toMillis();
        // Starts every slot interval (the session length unless the event type sets one).
        for (let t = rowStart; t + lengthMs <= rowEnd; t += (eventType.slotInterval ?? eventType.lengthInMinutes) * 60_000) {
          if (t < fromMs || t + lengthMs > toMs || t < earliest) continue;
          const clash = busy.some((b) => Date.parse(b.start) < t + lengthMs && t < Date.parse(b.end));
          if (!clash) starts.push(t);
        }
      }
    }
    return [...new Set(starts)].sort((a, b) => a - b);
  }

  private slots(query: Record<string, string>): Record<string, { start: string; end?: string }[]> {
    const eventType = this.requireEventType(Number(query.eventTypeId));
    const zone = query.timeZone ?? "UTC";
    const parseBound = (value: string | undefined, endOfDay: boolean): number => {
      if (!value) throw new HttpError(400, "BadRequestException", "start and end are required");
      const dt = /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? DateTime.fromISO(value, { zone: "utc" }).plus(endOfDay ? { hours: 23, minutes: 59, seconds: 59 } : {})
        : DateTime.fromISO(value, { zone: "utc" });
      if (!dt.isValid) throw new HttpError(400, "BadRequestException", `Invalid date ${value}`);
      return dt.toMillis();
    };
    const fromMs = parseBound(query.start, false);
    const toMs = parseBound(query.end, true);
    const lengthMs = eventType.lengthInMinutes * 60_000;
    const out: Record<string, { start: string; end?: string }[]> = {};
    // The booking being moved does not block its own slots.
    const moving = query.bookingUidToReschedule ?? null;
    for (const t of this.freeSlotStarts(eventType, fromMs, toMs, moving)) {
      const start = DateTime.fromMillis(t, { zone });
      const date = start.toISODate() ?? "";
      const slot: { start: string; end?: string } = { start: start.toISO() ?? "" };
      if (query.format === "range") slot.end = DateTime.fromMillis(t + lengthMs, { zone }).toISO() ?? "";
      (out[date] ??= []).push(slot);
    }
    return out;
  }

  // ---- bookings ----

  private createBooking(principal: Principal | null, body: Record<string, unknown>): FakeBooking {
    const eventType = this.requireEventType(Number(body.eventTypeId));
    if (eventType.bookingRequiresAuthentication) {
      if (!principal) throw new HttpError(401, "UnauthorizedException", "This event type requires authentication");
      if (!this.canManage(principal, eventType))
        throw new HttpError(403, "ForbiddenException", "You are not allowed to book this event type");
    }
    const startMs = Date.parse(String(body.start));
    if (startMs < this.now()) throw new HttpError(400, "BadRequestException", "Attempting to book a meeting in the past.");
    const attendee = body.attendee as { name: string; email?: string; timeZone: string };
    const email = attendee.email ?? "";
    // Cal.com answers a create of a booking needing confirmation with the pending booking of the same
    // event type, attendee email and start when one exists (docs/calcom.md, "What Cal.com does").
    const existing = this.listBookings().find(
      (b) => b.status === "pending" && b.eventTypeId === eventType.id && b.attendee.email === email && Date.parse(b.start) === startMs,
    );
    if (existing && eventType.requiresConfirmation) return existing;
    if (!this.freeSlotStarts(eventType, startMs, startMs + eventType.lengthInMinutes * 60_000).includes(startMs)) {
      throw new HttpError(400, "BadRequestException", "User either already has booking at this time or is not available");
    }
    const status: FakeBookingStatus = eventType.requiresConfirmation ? "pending" : "accepted";
    if (
      status === "accepted" &&
      this.listBookings().some((b) => b.status === "accepted" && b.hostId === eventType.hostIds[0] && Date.parse(b.start) === startMs)
    ) {
      throw new HttpError(409, "ConflictException", "Invalid Input: Trying to create a record that already exists.");
    }
    const booking = this.insertBooking(
      eventType,
      new Date(startMs).toISOString(),
      { name: attendee.name, email, timeZone: attendee.timeZone },
      (body.metadata as Record<string, string> | undefined) ?? {},
      status,
    );
    this.emit(status === "pending" ? "BOOKING_REQUESTED" : "BOOKING_CREATED", booking);
    return booking;
  }

  private insertBooking(
    eventType: EventType,
    start: string,
    attendee: FakeBooking["attendee"],
    metadata: Record<string, string>,
    status: FakeBookingStatus,
    rescheduledFromUid: string | null = null,
  ): FakeBooking {
    const now = new Date(this.now()).toISOString();
    const booking: FakeBooking = {
      id: this.id(),
      uid: randomUUID(),
      eventTypeId: eventType.id,
      hostId: eventType.hostIds[0] ?? 0,
      status,
      start: new Date(Date.parse(start)).toISOString(),
      end: new Date(Date.parse(start) + eventType.lengthInMinutes * 60_000).toISOString(),
      attendee,
      metadata,
      cancellationReason: null,
      rescheduledFromUid,
      rescheduledToUid: null,
      absentHost: false,
      attendeeAbsent: false,
      location: "",
      createdAt: now,
      updatedAt: now,
    };
    // Cal Video's link: one per booking, so a moved booking (a new uid) has a new one.
    booking.location = `https://meet.example/${booking.uid}`;
    this.bookings.set(booking.uid, booking);
    return booking;
  }

  /** `GET /v2/bookings`: the caller's bookings (an org admin's: the organization's), oldest change first. */
  private listBookingsFor(principal: Principal, query: Record<string, string>): FakeBooking[] {
    const after = query.afterUpdatedAt ? Date.parse(query.afterUpdatedAt) : Number.NEGATIVE_INFINITY;
    const take = query.take ? Number(query.take) : 100;
    const skip = query.skip ? Number(query.skip) : 0;
    return this.listBookings()
      .filter((b) => {
        const eventType = this.eventTypes.get(b.eventTypeId);
        return (eventType !== undefined && this.canManage(principal, eventType)) || b.hostId === principal.userId;
      })
      .filter((b) => Date.parse(b.updatedAt) > after)
      .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt))
      .slice(skip, skip + take);
  }

  private canManage(principal: Principal, eventType: EventType): boolean {
    if (principal.kind === "orgAdmin" && eventType.teamId !== null) return true;
    return eventType.hostIds.includes(principal.userId) || eventType.ownerId === principal.userId;
  }

  private requireBooking(uid: string): FakeBooking {
    const booking = this.bookings.get(uid);
    if (!booking) throw new HttpError(404, "NotFoundException", `Booking with uid=${uid} was not found in the database`);
    return booking;
  }

  private ownedBooking(principal: Principal | null, uid: string): FakeBooking {
    const p = this.requirePrincipal(principal);
    const booking = this.requireBooking(uid);
    const eventType = this.eventTypes.get(booking.eventTypeId);
    const allowed = booking.hostId === p.userId || (eventType !== undefined && this.canManage(p, eventType));
    if (!allowed) throw new HttpError(403, "ForbiddenException", "You are not the owner of this booking");
    return booking;
  }

  private touch(booking: FakeBooking): FakeBooking {
    booking.updatedAt = new Date(this.now()).toISOString();
    return booking;
  }

  private confirm(principal: Principal | null, uid: string): FakeBooking {
    const booking = this.ownedBooking(principal, uid);
    if (booking.status === "accepted") throw new HttpError(400, "BadRequestException", "Booking already confirmed");
    if (booking.status !== "pending") throw new HttpError(400, "BadRequestException", `Booking is ${booking.status}`);
    booking.status = "accepted";
    // A confirmation is announced as BOOKING_CREATED, without the metadata given at booking.
    this.emit("BOOKING_CREATED", booking, {}, false);
    return this.touch(booking);
  }

  private decline(principal: Principal | null, uid: string, reason: string | null): FakeBooking {
    const booking = this.ownedBooking(principal, uid);
    if (booking.status !== "pending") throw new HttpError(400, "BadRequestException", `Booking is ${booking.status}`);
    booking.status = "rejected";
    booking.cancellationReason = reason;
    this.emit("BOOKING_REJECTED", booking, { rejectionReason: reason }, false);
    return this.touch(booking);
  }

  private cancel(principal: Principal | null, uid: string, reason: string | null): FakeBooking {
    const booking = this.requireBooking(uid);
    if (booking.status === "cancelled") throw new HttpError(400, "BadRequestException", "This booking has already been cancelled.");
    const eventType = this.eventTypes.get(booking.eventTypeId);
    const isHost =
      principal !== null && (booking.hostId === principal.userId || (eventType !== undefined && this.canManage(principal, eventType)));
    if (isHost && !reason) throw new HttpError(400, "BadRequestException", "Cancellation reason is required when you are the host");
    if (Date.parse(booking.end) < this.now())
      throw new HttpError(400, "BadRequestException", "Cannot cancel a booking that has already ended");
    booking.status = "cancelled";
    booking.cancellationReason = reason;
    const canceller = isHost ? this.users.get(booking.hostId)?.email : booking.attendee.email;
    booking.cancelledByEmail = canceller ?? null;
    this.emit(
      "BOOKING_CANCELLED",
      booking,
      { cancellationReason: reason, cancelledBy: canceller ?? null, requestReschedule: false },
      false,
    );
    return this.touch(booking);
  }

  private reschedule(uid: string, body: Record<string, unknown>): FakeBooking {
    const old = this.requireBooking(uid);
    if (old.status === "cancelled" || old.status === "rejected") {
      throw new HttpError(
        400,
        "BadRequestException",
        `Can't reschedule booking with uid=${uid} because it has been cancelled and rescheduled already to booking with uid=${old.rescheduledToUid ?? "none"}`,
      );
    }
    const eventType = this.requireEventType(old.eventTypeId);
    const startMs = Date.parse(String(body.start));
    if (!this.freeSlotStarts(eventType, startMs, startMs + eventType.lengthInMinutes * 60_000, old.uid).includes(startMs)) {
      throw new HttpError(400, "BadRequestException", "User either already has booking at this time or is not available");
    }
    const host = this.hostOf(eventType);
    const byOwner = typeof body.rescheduledBy === "string" && host !== null && body.rescheduledBy === host.email;
    const status: FakeBookingStatus = eventType.requiresConfirmation && !byOwner ? "pending" : "accepted";
    // One step in Cal.com: the old booking is cancelled as the new one is created.
    const next = this.insertBooking(eventType, new Date(startMs).toISOString(), old.attendee, { ...old.metadata }, status, old.uid);
    old.status = "cancelled";
    old.rescheduledToUid = next.uid;
    old.rescheduledByEmail = typeof body.rescheduledBy === "string" ? body.rescheduledBy : null;
    this.touch(old);
    // No BOOKING_CANCELLED for the old booking of a reschedule.
    const rescheduled = {
      rescheduleUid: old.uid,
      rescheduleId: old.id,
      rescheduleStartTime: old.start,
      rescheduleEndTime: old.end,
      rescheduledBy: typeof body.rescheduledBy === "string" ? body.rescheduledBy : null,
    };
    this.emit(status === "accepted" ? "BOOKING_RESCHEDULED" : "BOOKING_REQUESTED", next, rescheduled);
    return next;
  }

  /**
   * `POST /v2/bookings/{uid}/mark-absent` as Cal.com answers it: a booking we do not find first
   * (404), then one not started yet (400), then an attendee mark by someone who is not the
   * booking's owner (Nest's default 500). A cancelled booking is not checked. `host: true` marks
   * the host (`host: false` changes nothing, as on hosted Cal.com); each attendee named by email
   * is marked or unmarked, an unknown email skipped. BOOKING_NO_SHOW_UPDATED is sent only when the
   * body named attendees.
   */
  private markAbsent(principal: Principal | null, uid: string, body: Record<string, unknown>): FakeBooking {
    const p = this.requirePrincipal(principal);
    const booking = this.bookings.get(uid);
    if (!booking) throw new HttpError(404, "NotFoundException", `Booking with uid=${uid} not found.`);
    const now = this.now();
    if (now < Date.parse(booking.start))
      throw new HttpError(
        400,
        "BadRequestException",
        `Bookings can only be marked as absent after their scheduled start time. Current time in UTC+0: ${new Date(now).toISOString()}, Booking start time in UTC+0: ${booking.start}`,
      );
    const attendees = Array.isArray(body.attendees) ? (body.attendees as { email: string; absent: boolean }[]) : null;
    const eventType = this.eventTypes.get(booking.eventTypeId);
    const owner = booking.hostId === p.userId || (eventType !== undefined && this.canManage(p, eventType));
    if (attendees !== null && !owner) throw new NestDefaultError(500, "Failed to update no-show status");
    if (body.host === true) booking.absentHost = true;
    const updated = (attendees ?? []).filter((a) => a.email === booking.attendee.email);
    for (const a of updated) booking.attendeeAbsent = a.absent;
    if (body.host === true || updated.length > 0) this.touch(booking);
    if (attendees !== null && updated.length > 0) {
      const targets = this.targetsOf("BOOKING_NO_SHOW_UPDATED", booking);
      const payload = {
        message: updated.map((a) => `${a.email} ${a.absent ? "marked" : "unmarked"} as no-show`).join(", "),
        attendees: updated.map((a) => ({ email: a.email, noShow: a.absent })),
        bookingUid: booking.uid,
        bookingId: booking.id,
      };
      const rawBody = JSON.stringify({ triggerEvent: "BOOKING_NO_SHOW_UPDATED", createdAt: new Date(now).toISOString(), payload });
      if (targets.length > 0) this.send("BOOKING_NO_SHOW_UPDATED", booking, targets, rawBody);
    }
    return booking;
  }

  // ---- output shapes ----

  private userOut(user: User) {
    return {
      id: user.id,
      email: user.email,
      username: user.username,
      name: user.name,
      timeZone: user.timeZone,
      defaultScheduleId: user.defaultScheduleId,
      organizationId: user.orgId,
      metadata: user.metadata,
    };
  }

  private eventTypeOut(e: EventType) {
    return {
      id: e.id,
      title: e.title,
      slug: e.slug,
      description: e.description,
      lengthInMinutes: e.lengthInMinutes,
      scheduleId: e.scheduleId,
      hidden: e.hidden,
      bookingRequiresAuthentication: e.bookingRequiresAuthentication,
      ownerId: e.ownerId,
      teamId: e.teamId,
      hosts: e.hostIds.map((userId) => ({ userId })),
      confirmationPolicy: e.requiresConfirmation
        ? { type: "always", blockUnconfirmedBookingsInBooker: e.blockUnconfirmed }
        : { disabled: true },
      minimumBookingNotice: e.minimumBookingNotice,
      beforeEventBuffer: e.beforeEventBuffer,
      afterEventBuffer: e.afterEventBuffer,
      ...(e.bookingWindow ? { bookingWindow: e.bookingWindow } : {}),
      ...(e.slotInterval !== null ? { slotInterval: e.slotInterval } : {}),
      price: 0,
      currency: "usd",
      metadata: {},
    };
  }

  private bookingOut(b: FakeBooking) {
    const eventType = this.eventTypes.get(b.eventTypeId);
    const host = this.users.get(b.hostId);
    return {
      id: b.id,
      uid: b.uid,
      title: eventType?.title ?? "",
      status: b.status,
      start: b.start,
      end: b.end,
      duration: (Date.parse(b.end) - Date.parse(b.start)) / 60_000,
      eventTypeId: b.eventTypeId,
      eventType: { id: b.eventTypeId, slug: eventType?.slug ?? "" },
      hosts: host ? [{ id: host.id, name: host.name, email: host.email, username: host.username, timeZone: host.timeZone }] : [],
      attendees: [{ ...b.attendee, absent: b.attendeeAbsent }],
      absentHost: b.absentHost,
      location: b.location,
      meetingUrl: b.location,
      metadata: b.metadata,
      cancellationReason: b.cancellationReason,
      cancelledByEmail: b.cancelledByEmail ?? null,
      rescheduledFromUid: b.rescheduledFromUid,
      rescheduledToUid: b.rescheduledToUid,
      rescheduledByEmail: b.rescheduledByEmail ?? null,
      createdAt: b.createdAt,
      updatedAt: b.updatedAt,
    };
  }
}
