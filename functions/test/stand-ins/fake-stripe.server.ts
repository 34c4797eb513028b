import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import qs from "qs";
import type Stripe from "stripe";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";
import { FakeConnect } from "./fake-stripe-connect.js";
import { DeliveryPlan, WebhookSender, listenOnLoopback, type LoopbackServer } from "./loopback-server.js";
import { StripeHttpError, invalidRequest } from "./stripe-error.js";
import {
  chargeObject,
  disputeObject,
  paymentIntentObject,
  refundObject,
  sessionObject,
  type FakeCharge,
  type FakeDispute,
  type FakePaymentIntent,
  type FakeRefund,
  type FakeRefundStatus,
  type FakeSession,
} from "./stripe-objects.js";
import { PINNED_STRIPE_VERSION, checkProseRules, checkStripeVersion } from "./stripe-prose-rules.js";
import { checkAgainstDescription, findStripeOperation } from "./stripe-request-schema.js";

/**
 * A stateful stand-in for the part of Stripe's API this backend uses, on loopback, answering the
 * way Stripe does (docs/payments.md, "What Stripe does"): Checkout Sessions (create, retrieve,
 * expire), their PaymentIntents and Charges, refunds (never more than captured), idempotency keys (same key and
 * parameters → the same answer, replayed; other parameters → `idempotency_error`), the error
 * envelope, and signed webhooks that can be dropped, duplicated or held. A test-only route pays
 * an open session (by card, or by a delayed method that settles later). Test support only: never imported by production code.
 *
 * As strict as Stripe (docs/stand-ins.md): every request to /v1 is held against Stripe's
 * description (stripe-subset.openapi.json) and the rules Stripe states only in prose, and refused
 * as Stripe refuses; objects carry every field Stripe always sends (stripe-objects.ts); events
 * name the API request that caused them.
 */

export type { FakeSession, FakeCharge, FakeDispute, FakeRefund, FakeRefundStatus } from "./stripe-objects.js";
export type { FakeAccount, FakeTransfer } from "./stripe-connect-objects.js";

export interface StripeRecordedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: Record<string, unknown>;
  status: number;
  /** The body answered (what the conformance test holds against Stripe's description). */
  answer: unknown;
  /** When Stripe's description or its prose rules refused the request: the error it answered. */
  refusal: { code: string | null; param: string | null; message: string } | null;
  /** When it arrived (epoch ms) and how long the answer took (ms): the far end's own latency. */
  at: number;
  durationMs: number;
}

/** What an event says of the API call that caused it: both null for what Stripe does by itself (a buyer paying, a dispute). */
interface EventCause {
  id: string | null;
  idempotency_key: string | null;
}
/** Which events a webhook endpoint receives (`subscribe`). */
export type WebhookEndpointKind = "platform" | "connect" | "all";

const AUTOMATIC: EventCause = { id: null, idempotency_key: null };

const IDEMPOTENCY_KEPT_MS = 24 * 3_600_000;

function id(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString("hex")}`;
}

export class FakeStripe {
  readonly requests: StripeRecordedRequest[] = [];
  readonly sessions = new Map<string, FakeSession>();
  readonly paymentIntents = new Map<string, FakePaymentIntent>();
  readonly charges = new Map<string, FakeCharge>();
  readonly refunds = new Map<string, FakeRefund>();
  readonly disputes = new Map<string, FakeDispute>();
  readonly webhookDeliveries: { type: string; eventId: string; status: number | null }[] = [];

  private idempotency = new Map<string, { hash: string; status: number; body: unknown; at: number }>();
  private refundStatuses: FakeRefundStatus[] = [];
  private faults: { passing: number; remaining: number; route: string | null; status: number; kind: "before" | "lost" | "slow" }[] = [];
  /** How many injected faults have been served (every kind). */
  faultsInjected = 0;
  private subscribers: { url: string; secret: string; events: WebhookEndpointKind }[] = [];
  private holding = false;
  private held: { eventId: string; type: string; rawBody: string }[] = [];
  private webhookPlan = new DeliveryPlan();
  private sender = new WebhookSender();
  private server!: LoopbackServer;

  /** Stripe Connect: accounts, onboarding, transfers, reversals, the balance (fake-stripe-connect.ts). */
  private readonly connect: FakeConnect;

  private constructor(private readonly now: () => number) {
    this.connect = new FakeConnect({
      charges: this.charges,
      now: () => this.now(),
      newId: id,
      emit: (type, object, cause, account) => {
        this.emit(type, object, (cause as EventCause | null) ?? AUTOMATIC, account);
      },
      baseUrl: () => this.url,
    });
  }

  static async start(options: { port?: number; now?: () => number } = {}): Promise<FakeStripe> {
    const fake = new FakeStripe(options.now ?? Date.now);
    fake.server = await listenOnLoopback((req, res) => fake.handle(req, res), options.port);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  reset(): void {
    this.requests.length = 0;
    this.sessions.clear();
    this.paymentIntents.clear();
    this.charges.clear();
    this.disputes.clear();
    this.refunds.clear();
    this.idempotency.clear();
    this.faults = [];
    this.refundStatuses = [];
    this.subscribers = [];
    this.webhookPlan = new DeliveryPlan();
    this.webhookDeliveries.length = 0;
    this.holding = false;
    this.held = [];
    this.connect.reset();
  }

  // ---- Connect ----

  /** The connected accounts, by id. */
  get accounts(): FakeConnect["accounts"] {
    return this.connect.accounts;
  }
  /** The transfers to connected accounts, by id. */
  get transfers(): FakeConnect["transfers"] {
    return this.connect.transfers;
  }
  /** Test-only: the funds of every charge so far (or of one) become available. */
  makeAvailable(chargeId?: string): void {
    this.connect.makeAvailable(chargeId);
  }
  /** Test-only: the account's onboarding is done (as a visit to its account link does); sends account.updated. */
  completeOnboarding(accountId: string): void {
    this.connect.completeOnboarding(accountId);
  }
  /** Test-only: Stripe disables the account's payouts with a requirement due; sends account.updated. */
  disablePayouts(...args: Parameters<FakeConnect["disablePayouts"]>): void {
    this.connect.disablePayouts(...args);
  }
  /** Test-only: the connected account's available balance becomes `cents`. */
  setConnectedBalance(accountId: string, cents: number, currency = "eur"): void {
    this.connect.setConnectedBalance(accountId, cents, currency);
  }
  /** The platform's balance per currency, available and pending. */
  platformBalance(): ReturnType<FakeConnect["platformBalance"]> {
    return this.connect.platformBalance();
  }
  /** A connected account's available balance in a currency. */
  connectedBalance(accountId: string, currency: string): number {
    return this.connect.connectedBalance(accountId, currency);
  }

  // ---- knobs ----

  /**
   * The next `count` requests (to a route such as "POST /v1/refunds", or any) answer `status`,
   * after letting `passing` of them through.
   */
  failNext(count: number, status: number, route: string | null = null, passing = 0): void {
    this.faults.push({ passing, remaining: count, route, status, kind: "before" });
  }
  /** Drops every fault not yet served. */
  clearFaults(): void {
    this.faults = [];
  }
  /**
   * The next refunds created come back with these statuses, one each (then `succeeded` again).
   * `failed`, `canceled` and `requires_action` leave the charge's refunded amount as it was;
   * `pending` counts, as at Stripe.
   */
  nextRefundStatuses(...statuses: FakeRefundStatus[]): void {
    this.refundStatuses.push(...statuses);
  }
  /** The next `count` requests are carried out (and stored under their idempotency key), then the connection drops: a lost response. */
  loseNextResponses(count: number, route: string | null = null): void {
    this.faults.push({ passing: 0, remaining: count, route, status: 0, kind: "lost" });
  }
  /** The next `count` requests are carried out, then answered after `delayMs` (past a client's timeout). */
  slowNextResponses(count: number, delayMs: number, route: string | null = null): void {
    this.faults.push({ passing: 0, remaining: count, route, status: delayMs, kind: "slow" });
  }
  /** Stripe keeps an idempotency key for 24 h: past that a repeated key makes a new object. */
  forgetIdempotencyKeys(): void {
    this.idempotency.clear();
  }
  /**
   * Delivers events to `url`, signed with `secret`. Stripe has two kinds of endpoint: the
   * platform's (`"platform"`: events on our own account, transfers included) and Connect
   * (`"connect"`: events on connected accounts, which name the `account`); `"all"` is both under one
   * secret, as `stripe listen --forward-to … --forward-connect-to …` signs them.
   */
  subscribe(url: string, secret: string, events: WebhookEndpointKind = "all"): void {
    this.subscribers.push({ url, secret, events });
  }
  dropNextWebhooks(count: number): void {
    this.webhookPlan.drop += count;
  }
  duplicateNextWebhooks(count: number): void {
    this.webhookPlan.duplicate += count;
  }
  /** Keeps every event from now on (unsigned) for the test to deliver when, how often and in what order it likes. */
  holdWebhooks(): void {
    this.holding = true;
  }
  /** The events held since the last call, oldest first (the caller signs each when it delivers it). */
  takeHeldWebhooks(): { eventId: string; type: string; rawBody: string }[] {
    return this.held.splice(0);
  }
  async flushWebhooks(): Promise<void> {
    await this.sender.flush();
  }

  /** Test-only: the buyer pays an open session (card), which completes it and sends the events. */
  pay(sessionId: string): FakeSession {
    const session = this.requireSession(sessionId);
    if (session.status !== "open") throw new StripeHttpError(400, "invalid_request_error", `Session ${sessionId} is ${session.status}`);
    const paymentIntentId = id("pi");
    const chargeId = id("ch");
    this.charges.set(chargeId, {
      id: chargeId,
      object: "charge",
      amount: session.amount_total,
      amount_refunded: 0,
      refunded: false,
      currency: session.currency,
      payment_intent: paymentIntentId,
      disputed: false,
      metadata: {},
      created: Math.floor(this.now() / 1000),
      transfer_group: session.payment_intent_transfer_group,
    });
    const paymentIntent: FakePaymentIntent = {
      id: paymentIntentId,
      object: "payment_intent",
      amount: session.amount_total,
      currency: session.currency,
      status: "succeeded",
      latest_charge: chargeId,
      metadata: session.payment_intent_metadata,
      description: session.payment_intent_description,
      transfer_group: session.payment_intent_transfer_group,
      created: Math.floor(this.now() / 1000),
    };
    this.paymentIntents.set(paymentIntentId, paymentIntent);
    session.status = "complete";
    session.payment_status = "paid";
    session.payment_intent = paymentIntentId;
    session.url = null;
    this.emit("checkout.session.completed", this.sessionOut(session));
    this.emit("payment_intent.succeeded", paymentIntentObject(paymentIntent));
    return session;
  }

  /**
   * Test-only: the buyer pays with a delayed method (SEPA debit and the like): the session
   * completes `unpaid` with a `processing` PaymentIntent and checkout.session.completed is sent;
   * `settleDelayedPayment` later says how it ended.
   */
  payDelayed(sessionId: string): FakeSession {
    const session = this.requireSession(sessionId);
    if (session.status !== "open") throw new StripeHttpError(400, "invalid_request_error", `Session ${sessionId} is ${session.status}`);
    const paymentIntentId = id("pi");
    this.paymentIntents.set(paymentIntentId, {
      id: paymentIntentId,
      object: "payment_intent",
      amount: session.amount_total,
      currency: session.currency,
      status: "processing",
      latest_charge: "",
      metadata: session.payment_intent_metadata,
      description: session.payment_intent_description,
      transfer_group: session.payment_intent_transfer_group,
      created: Math.floor(this.now() / 1000),
    });
    session.status = "complete";
    session.payment_intent = paymentIntentId;
    session.url = null;
    this.emit("checkout.session.completed", this.sessionOut(session));
    return session;
  }

  /**
   * Test-only: a delayed payment ends: `succeeded` captures it (its charge made as `pay` does) and
   * sends checkout.session.async_payment_succeeded; `failed` sends checkout.session.async_payment_failed.
   */
  settleDelayedPayment(sessionId: string, outcome: "succeeded" | "failed"): FakeSession {
    const session = this.requireSession(sessionId);
    const pi = this.paymentIntents.get(session.payment_intent ?? "");
    if (session.status !== "complete" || session.payment_status !== "unpaid" || pi?.status !== "processing") {
      throw new StripeHttpError(400, "invalid_request_error", `Session ${sessionId} has no payment processing`);
    }
    if (outcome === "failed") {
      pi.status = "requires_payment_method";
      this.emit("checkout.session.async_payment_failed", this.sessionOut(session));
      return session;
    }
    const chargeId = id("ch");
    this.charges.set(chargeId, {
      id: chargeId,
      object: "charge",
      amount: session.amount_total,
      amount_refunded: 0,
      refunded: false,
      currency: session.currency,
      payment_intent: pi.id,
      disputed: false,
      metadata: {},
      created: Math.floor(this.now() / 1000),
      transfer_group: session.payment_intent_transfer_group,
    });
    pi.status = "succeeded";
    pi.latest_charge = chargeId;
    session.payment_status = "paid";
    this.emit("checkout.session.async_payment_succeeded", this.sessionOut(session));
    this.emit("payment_intent.succeeded", paymentIntentObject(pi));
    return session;
  }

  /** Test-only: the buyer's card is declined; the session stays open and payment_intent.payment_failed is sent. */
  failPayment(sessionId: string): FakePaymentIntent {
    const session = this.requireSession(sessionId);
    const paymentIntentId = id("pi");
    const paymentIntent: FakePaymentIntent = {
      id: paymentIntentId,
      object: "payment_intent",
      amount: session.amount_total,
      currency: session.currency,
      status: "requires_payment_method",
      latest_charge: "",
      metadata: session.payment_intent_metadata,
      description: session.payment_intent_description,
      transfer_group: session.payment_intent_transfer_group,
      created: Math.floor(this.now() / 1000),
      last_payment_error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "insufficient_funds",
        message: "Your card has insufficient funds.",
      },
    };
    this.paymentIntents.set(paymentIntentId, paymentIntent);
    this.emit("payment_intent.payment_failed", paymentIntentObject(paymentIntent));
    return paymentIntent;
  }

  /**
   * Test-only: the session reaches its expiry (as Stripe does on its own at `expires_at`); also the
   * expire call of the API, whose request then caused the event.
   */
  expire(sessionId: string, cause: EventCause = AUTOMATIC): FakeSession {
    const session = this.requireSession(sessionId);
    if (session.status !== "open")
      throw new StripeHttpError(
        400,
        "invalid_request_error",
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${session.status}\`.`,
      );
    session.status = "expired";
    session.url = null;
    this.emit("checkout.session.expired", this.sessionOut(session), cause);
    return session;
  }

  /**
   * Test-only: the cardholder disputes the payment's charge (a chargeback, funds withdrawn; or an
   * inquiry, `warning_needs_response`, funds kept). Sends charge.dispute.created. While it is open
   * a refund is refused with `charge_disputed`, as Stripe does.
   */
  openDispute(paymentIntentId: string, options: { reason?: string; inquiry?: boolean } = {}): FakeDispute {
    const pi = this.paymentIntents.get(paymentIntentId);
    const charge = pi ? this.charges.get(pi.latest_charge) : undefined;
    if (!pi || !charge)
      throw new StripeHttpError(404, "invalid_request_error", `No such payment_intent: '${paymentIntentId}'`, "resource_missing");
    const created = Math.floor(this.now() / 1000);
    const dispute: FakeDispute = {
      id: id("dp"),
      object: "dispute",
      amount: charge.amount - charge.amount_refunded,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: pi.id,
      reason: options.reason ?? "fraudulent",
      status: options.inquiry ? "warning_needs_response" : "needs_response",
      is_charge_refundable: false,
      evidence_details: { due_by: created + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
      created,
      livemode: false,
      metadata: {},
    };
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    this.emit("charge.dispute.created", disputeObject(dispute));
    return dispute;
  }

  /** Test-only: the merchant's evidence is in: `needs_response` becomes `under_review` (`warning_*` inquiries likewise). Sends charge.dispute.updated. */
  updateDispute(disputeId: string): FakeDispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw new StripeHttpError(404, "invalid_request_error", `No such dispute: '${disputeId}'`, "resource_missing");
    if (dispute.status === "needs_response") dispute.status = "under_review";
    else if (dispute.status === "warning_needs_response") dispute.status = "warning_under_review";
    this.emit("charge.dispute.updated", disputeObject(dispute));
    return dispute;
  }

  /** Test-only: the issuer decides (`won`: funds reinstated, refunds allowed again; `lost`: funds stay withdrawn). Sends charge.dispute.closed. */
  closeDispute(disputeId: string, outcome: "won" | "lost"): FakeDispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw new StripeHttpError(404, "invalid_request_error", `No such dispute: '${disputeId}'`, "resource_missing");
    dispute.status = dispute.status.startsWith("warning_") ? "warning_closed" : outcome;
    const charge = this.charges.get(dispute.charge);
    if (charge && dispute.status !== "lost") charge.disputed = false;
    this.emit("charge.dispute.closed", disputeObject(dispute));
    return dispute;
  }

  /** What we still hold of a payment: captured − refunded − taken back by a dispute not won. */
  heldFor(paymentIntentId: string): number {
    const pi = this.paymentIntents.get(paymentIntentId);
    const charge = pi ? this.charges.get(pi.latest_charge) : undefined;
    if (!charge) return 0;
    const withdrawn = [...this.disputes.values()]
      .filter((d) => d.charge === charge.id && !d.status.startsWith("warning_") && d.status !== "won")
      .reduce((sum, d) => sum + d.amount, 0);
    return charge.amount - charge.amount_refunded - withdrawn;
  }

  /** A signed event body and header for `type`, as Stripe would send it (for direct posting in tests). */
  signedEvent(
    type: string,
    object: unknown,
    secret: string,
    options: { eventId?: string; timestamp?: number } = {},
  ): { rawBody: string; signature: string; eventId: string } {
    const eventId = options.eventId ?? id("evt");
    const rawBody = JSON.stringify(this.event(eventId, type, object), null, 2);
    return { rawBody, signature: stripeTestSignature(rawBody, secret, options.timestamp), eventId };
  }

  /** The session as Stripe sends it (every field it always sends). */
  sessionOut(s: FakeSession): Stripe.Checkout.Session {
    return sessionObject(s);
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const params = qs.parse(method === "GET" ? url.search.slice(1) : raw, { depth: 10, arrayLimit: 100 }) as Record<string, unknown>;
    const idempotencyKey = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
    const record: StripeRecordedRequest = {
      method,
      path: url.pathname,
      idempotencyKey,
      params,
      status: 0,
      answer: undefined,
      refusal: null,
      at: Date.now(),
      durationMs: 0,
    };
    this.requests.push(record);
    const arrived = performance.now();
    const requestId = id("req");
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "request-id": requestId,
      "stripe-version": PINNED_STRIPE_VERSION,
    };
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      record.answer = body;
      res.writeHead(status, { ...headers, ...extra });
      res.end(JSON.stringify(body));
      record.durationMs = performance.now() - arrived;
    };
    const sendError = (err: StripeHttpError) => {
      send(err.status, err.envelope());
    };
    const stripeApi = !url.pathname.startsWith("/__standin/");
    const onboarding = method === "GET" ? /^\/__standin\/connect\/onboard\/([^/]+)$/.exec(url.pathname) : null;
    if (onboarding) {
      // The stand-in's onboarding page: visiting it completes onboarding and goes back to the platform.
      try {
        this.connect.completeOnboarding(decodeURIComponent(onboarding[1] ?? ""));
      } catch (err) {
        if (err instanceof StripeHttpError) sendError(err);
        else throw err;
        return;
      }
      const back = url.searchParams.get("return") ?? "";
      record.status = 302;
      res.writeHead(302, back === "" ? {} : { location: back });
      res.end();
      return;
    }

    try {
      const auth = req.headers.authorization ?? "";
      if (stripeApi && !/^Bearer sk_test_\S+$/.test(auth)) {
        throw new StripeHttpError(401, "invalid_request_error", "Invalid API Key provided.");
      }
      const versionHeader = req.headers["stripe-version"];
      const badVersion = stripeApi ? checkStripeVersion(typeof versionHeader === "string" ? versionHeader : undefined) : null;
      if (badVersion) {
        record.refusal = { code: null, param: null, message: badVersion.message };
        throw badVersion;
      }
      const route = `${method} ${url.pathname.replace(/\/(cs|pi|re|ch|dp|acct|tr|trr)_test_[0-9a-f]+/g, "/{id}")}`;
      const hash = createHash("sha256")
        .update(`${route} ${JSON.stringify(params)}`)
        .digest("hex");
      // Stripe keeps a key for 24 hours: after that the same key is a new request.
      const kept = method === "POST" && idempotencyKey ? this.idempotency.get(idempotencyKey) : undefined;
      const stored = kept && this.now() - kept.at < IDEMPOTENCY_KEPT_MS ? kept : undefined;
      if (stored && idempotencyKey && stored.hash !== hash) {
        throw new StripeHttpError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        );
      }
      // A failure before the endpoint runs never meets a replay (the SDK's retry of a stored request).
      const fault = this.faults.find((f) => f.remaining > 0 && (f.route === null || f.route === route) && !(stored && f.kind === "before"));
      let hit: (typeof this.faults)[number] | undefined;
      if (fault && fault.passing > 0) fault.passing -= 1;
      else if (fault) {
        fault.remaining -= 1;
        this.faultsInjected += 1;
        hit = fault;
      }
      const answer = async (status: number, body: unknown, extra: Record<string, string> = {}) => {
        if (hit?.kind === "lost") {
          record.status = -1;
          res.destroy();
          return;
        }
        if (hit?.kind === "slow") await new Promise((r) => setTimeout(r, hit.status));
        send(status, body, extra);
      };
      if (stored) {
        await answer(stored.status, stored.body, { "idempotent-replayed": "true" });
        return;
      }
      if (hit?.kind === "before") {
        // Stripe stores 5xx answers under the key too, but a fault injected before the endpoint
        // starts executing is not stored: the SDK's own retry (same key) then goes through.
        throw new StripeHttpError(hit.status, hit.status === 429 ? "rate_limit_error" : "api_error", "Injected failure");
      }
      // What Stripe refuses as malformed is refused before anything runs, and stores nothing under the key.
      const operation = stripeApi ? findStripeOperation(method, url.pathname) : undefined;
      const refused = operation
        ? (checkAgainstDescription(operation, params) ?? checkProseRules(method, operation.template, params, Math.floor(this.now() / 1000)))
        : null;
      if (refused) {
        record.refusal = { code: refused.code ?? null, param: refused.param ?? null, message: refused.message };
        throw refused;
      }
      const cause: EventCause = stripeApi ? { id: requestId, idempotency_key: idempotencyKey } : AUTOMATIC;
      const account = req.headers["stripe-account"];
      const body = this.dispatch(method, url.pathname, params, cause, typeof account === "string" ? account : null);
      if (method === "POST" && idempotencyKey) this.idempotency.set(idempotencyKey, { hash, status: 200, body, at: this.now() });
      await answer(200, body);
    } catch (err) {
      if (err instanceof StripeHttpError) sendError(err);
      else sendError(new StripeHttpError(500, "api_error", err instanceof Error ? err.message : "stand-in failure"));
    }
  }

  private dispatch(method: string, path: string, p: Record<string, unknown>, cause: EventCause, stripeAccount: string | null): unknown {
    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/checkout/sessions") return this.sessionOut(this.createSession(p));
    if (method === "GET" && path === "/v1/checkout/sessions") {
      const created = (p.created ?? {}) as { gte?: string };
      const sessions = [...this.sessions.values()]
        .filter(
          (x) => (typeof p.status !== "string" || x.status === p.status) && (created.gte === undefined || x.created >= Number(created.gte)),
        )
        .sort((a, b) => b.created - a.created);
      const limit = Number(p.limit ?? 10);
      return {
        object: "list",
        url: "/v1/checkout/sessions",
        has_more: sessions.length > limit,
        data: sessions.slice(0, limit).map((x) => this.sessionOut(x)),
      };
    }
    if (method === "GET" && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) return this.sessionOut(this.requireSession(m[1] ?? ""));
    if (method === "POST" && (m = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path)))
      return this.sessionOut(this.expire(m[1] ?? "", cause));
    if (method === "GET" && (m = /^\/v1\/disputes\/([^/]+)$/.exec(path))) {
      const dispute = this.disputes.get(m[1] ?? "");
      if (!dispute) throw new StripeHttpError(404, "invalid_request_error", `No such dispute: '${m[1] ?? ""}'`, "resource_missing");
      return disputeObject(dispute);
    }
    if (method === "GET" && (m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path))) {
      const pi = this.paymentIntents.get(m[1] ?? "");
      if (!pi) throw new StripeHttpError(404, "invalid_request_error", `No such payment_intent: '${m[1] ?? ""}'`, "resource_missing");
      return paymentIntentObject(pi);
    }
    if (method === "GET" && (m = /^\/v1\/charges\/([^/]+)$/.exec(path))) {
      const charge = this.charges.get(m[1] ?? "");
      if (!charge) throw new StripeHttpError(404, "invalid_request_error", `No such charge: '${m[1] ?? ""}'`, "resource_missing");
      return chargeObject(charge);
    }
    if (method === "POST" && path === "/v1/refunds") return refundObject(this.createRefund(p, cause));
    if (method === "GET" && path === "/v1/refunds") {
      const refunds = [...this.refunds.values()].filter(
        (r) => typeof p.payment_intent !== "string" || r.payment_intent === p.payment_intent,
      );
      const limit = Number(p.limit ?? 10);
      return { object: "list", url: "/v1/refunds", has_more: refunds.length > limit, data: refunds.slice(0, limit).map(refundObject) };
    }
    if (method === "GET" && (m = /^\/v1\/refunds\/([^/]+)$/.exec(path))) {
      const refund = this.refunds.get(m[1] ?? "");
      if (!refund) throw new StripeHttpError(404, "invalid_request_error", `No such refund: '${m[1] ?? ""}'`, "resource_missing");
      return refundObject(refund);
    }
    if (method === "POST" && (m = /^\/__standin\/checkout\/sessions\/([^/]+)\/pay$/.exec(path)))
      return this.sessionOut(this.pay(m[1] ?? ""));
    if (method === "POST" && (m = /^\/__standin\/checkout\/sessions\/([^/]+)\/pay-delayed$/.exec(path)))
      return this.sessionOut(this.payDelayed(m[1] ?? ""));
    if (method === "POST" && (m = /^\/__standin\/checkout\/sessions\/([^/]+)\/settle$/.exec(path)))
      return this.sessionOut(this.settleDelayedPayment(m[1] ?? "", p.outcome === "failed" ? "failed" : "succeeded"));
    if (method === "POST" && (m = /^\/__standin\/payment_intents\/([^/]+)\/dispute$/.exec(path)))
      return disputeObject(this.openDispute(m[1] ?? "", { reason: typeof p.reason === "string" ? p.reason : "fraudulent" }));
    if (method === "POST" && (m = /^\/__standin\/disputes\/([^/]+)\/close$/.exec(path)))
      return disputeObject(this.closeDispute(m[1] ?? "", p.outcome === "won" ? "won" : "lost"));
    const connected = path.startsWith("/v1/") ? this.connect.dispatch(method, path, p, cause, stripeAccount) : undefined;
    if (connected !== undefined) return connected;
    throw new StripeHttpError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  private requireSession(sessionId: string): FakeSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new StripeHttpError(404, "invalid_request_error", `No such checkout.session: '${sessionId}'`, "resource_missing");
    return session;
  }

  private createSession(p: Record<string, unknown>): FakeSession {
    // Stripe's description and prose rules have passed (stripe-request-schema.ts, stripe-prose-rules.ts).
    if (p.mode !== "payment") throw invalidRequest("The stand-in makes only mode=payment sessions.", "mode");
    const items = (p.line_items ?? []) as { quantity: string; price_data?: { currency: string; unit_amount?: string } }[];
    if (items.some((item) => item.price_data?.unit_amount === undefined))
      throw invalidRequest("The stand-in prices line items only through price_data[unit_amount].", "line_items");
    const amount = items.reduce((sum, item) => sum + Number(item.price_data?.unit_amount) * Number(item.quantity), 0);
    const currency = (items[0]?.price_data?.currency ?? "").toLowerCase();
    const created = Math.floor(this.now() / 1000);
    const expiresAt = p.expires_at === undefined ? created + 86_400 : Number(p.expires_at);
    const sessionId = id("cs");
    const session: FakeSession = {
      id: sessionId,
      object: "checkout.session",
      status: "open",
      payment_status: "unpaid",
      amount_subtotal: amount,
      amount_total: amount,
      currency,
      url: `https://checkout.stripe.com/c/pay/${sessionId}`,
      expires_at: expiresAt,
      created,
      client_reference_id: typeof p.client_reference_id === "string" ? p.client_reference_id : null,
      customer_email: typeof p.customer_email === "string" ? p.customer_email : null,
      metadata: (p.metadata as Record<string, string> | undefined) ?? {},
      mode: "payment",
      livemode: false,
      success_url: typeof p.success_url === "string" ? p.success_url : null,
      cancel_url: typeof p.cancel_url === "string" ? p.cancel_url : null,
      payment_intent: null,
      ui_mode: "hosted_page",
      payment_intent_metadata: (p.payment_intent_data as { metadata?: Record<string, string> } | undefined)?.metadata ?? {},
      payment_intent_description: (p.payment_intent_data as { description?: string } | undefined)?.description ?? null,
      payment_intent_transfer_group: (p.payment_intent_data as { transfer_group?: string } | undefined)?.transfer_group ?? null,
    };
    this.sessions.set(sessionId, session);
    return session;
  }

  private createRefund(p: Record<string, unknown>, cause: EventCause): FakeRefund {
    const pi = this.paymentIntents.get(String(p.payment_intent));
    if (!pi)
      throw new StripeHttpError(
        400,
        "invalid_request_error",
        `No such payment_intent: '${String(p.payment_intent)}'`,
        "resource_missing",
        "payment_intent",
      );
    const charge = this.charges.get(pi.latest_charge);
    if (!charge) throw new StripeHttpError(400, "invalid_request_error", "This PaymentIntent has no charge to refund.");
    if (charge.disputed)
      throw new StripeHttpError(
        400,
        "invalid_request_error",
        `Charge ${charge.id} has been charged back; cannot issue a refund.`,
        "charge_disputed",
      );
    if (charge.refunded)
      throw new StripeHttpError(400, "invalid_request_error", `Charge ${charge.id} has already been refunded.`, "charge_already_refunded");
    const remaining = charge.amount - charge.amount_refunded;
    const amount = p.amount === undefined ? remaining : Number(p.amount);
    if (!Number.isInteger(amount) || amount < 1)
      throw new StripeHttpError(400, "invalid_request_error", "This value must be greater than or equal to 1.", undefined, "amount");
    if (amount > remaining)
      throw new StripeHttpError(
        400,
        "invalid_request_error",
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        undefined,
        "amount",
      );
    // Stripe's own currency rules: three-decimal currencies in steps of 10, ISK and UGX in whole units (steps of 100).
    const step = ["bhd", "jod", "kwd", "omr", "tnd"].includes(charge.currency) ? 10 : ["isk", "ugx"].includes(charge.currency) ? 100 : 1;
    if (amount % step !== 0)
      throw new StripeHttpError(
        400,
        "invalid_request_error",
        `Invalid amount: ${charge.currency.toUpperCase()} amounts must be divisible by ${step}.`,
        "amount_invalid",
        "amount",
      );
    const status = this.refundStatuses.shift() ?? "succeeded";
    const refund: FakeRefund = {
      id: id("re"),
      object: "refund",
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: pi.id,
      status,
      reason: typeof p.reason === "string" ? p.reason : null,
      metadata: (p.metadata as Record<string, string> | undefined) ?? {},
      created: Math.floor(this.now() / 1000),
    };
    this.refunds.set(refund.id, refund);
    if (status !== "succeeded" && status !== "pending") return refund;
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.emit("charge.refunded", chargeObject(charge), cause);
    return refund;
  }

  // ---- events ----

  private event(eventId: string, type: string, object: unknown, cause: EventCause = AUTOMATIC, account?: string) {
    return {
      id: eventId,
      object: "event",
      // A Connect event names the connected account it happened on.
      ...(account === undefined ? {} : { account }),
      api_version: PINNED_STRIPE_VERSION,
      created: Math.floor(this.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { ...cause },
      type,
    };
  }

  private emit(type: string, object: unknown, cause: EventCause = AUTOMATIC, account?: string): void {
    const eventId = id("evt");
    const rawBody = JSON.stringify(this.event(eventId, type, structuredClone(object), cause, account), null, 2);
    if (this.holding) {
      this.held.push({ eventId, type, rawBody });
      return;
    }
    for (const sub of this.subscribers) {
      if (sub.events !== "all" && (sub.events === "connect") !== (account !== undefined)) continue;
      const copies = this.webhookPlan.copiesOfNext();
      for (let i = 0; i < copies; i++) {
        const delivery = { type, eventId, status: null as number | null };
        this.webhookDeliveries.push(delivery);
        const headers = { "content-type": "application/json; charset=utf-8", "stripe-signature": stripeTestSignature(rawBody, sub.secret) };
        void this.sender.post(sub.url, headers, rawBody, (status) => {
          delivery.status = status;
        });
      }
    }
  }
}
