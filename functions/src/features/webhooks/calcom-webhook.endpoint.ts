import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { errorCodeOf } from "../../domain/errors.js";
import { CalcomWebhookSchema, type CalcomWebhook } from "../../integrations/calcom/calcom.schemas.js";
import { verifyCalcomSignature } from "../../integrations/calcom/calcom-webhook.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { webhookEventDoc } from "../../shared/firestore.js";
import type { HttpResponse, RawRequest } from "../../shared/http.js";
import { log } from "../../shared/logger.js";
import { applyCalcomEvent, deliveryInScope } from "./calcom-events.js";
import { CALCOM_WEBHOOK_COACH_PARAM, type CalcomDeliveryScope } from "../../domain/calcom-account.js";
import { readCalcomCredential } from "../../core/calcom-accounts.repository.js";

/**
 * Cal.com sends no event id: a delivery is identified by trigger, booking uid and send time, and
 * the coach whose webhook sent it (so one coach's delivery never takes the id of another's).
 */
function deliveryId(hook: CalcomWebhook, scope: CalcomDeliveryScope): string {
  const key = `${scope.kind === "coach" ? `${scope.coachId}|` : ""}${hook.triggerEvent}|${hook.payload.uid ?? ""}|${hook.createdAt}`;
  return `calcom_${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

/** The coach a delivery names in our URL's `?coach=` (their webhook), or the organization's when none. */
function scopeOf(req: RawRequest): CalcomDeliveryScope | "invalid" {
  const value = req.query?.[CALCOM_WEBHOOK_COACH_PARAM];
  if (value === undefined) return { kind: "organization" };
  return typeof value === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(value) ? { kind: "coach", coachId: value } : "invalid";
}

/** The secret that verifies a delivery in `scope`: the coach's own (null when they have none), or the organization's. */
async function secretOf(scope: CalcomDeliveryScope, deps: Dependencies): Promise<string | null> {
  if (scope.kind === "organization") return deps.config.calcomWebhookSecret;
  return (await readCalcomCredential(scope.coachId, deps.keyWrapper))?.webhookSecret ?? null;
}

/**
 * The Cal.com webhook as a plain function of the raw request: the signature first (with the
 * secret of the coach our URL names, or the organization's), then the envelope, then whether the
 * bookings it names are that signer's to speak about, then the delivery is claimed once and
 * handed to calcom-events for what it changes.
 */
export async function handleCalcomWebhook(req: RawRequest, deps: Dependencies): Promise<HttpResponse> {
  if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
  const scope = scopeOf(req);
  if (scope === "invalid") return { status: 401, body: { error: "invalid signature" } };
  if (scope.kind === "organization" && deps.config.calcomWebhookSecret === null) {
    log.error("calcom.webhook-secret-missing");
    return { status: 500, body: { error: "webhook secret not configured" } };
  }
  const secret = await secretOf(scope, deps);
  if (secret === null || !verifyCalcomSignature(req.rawBody, req.header("x-cal-signature-256"), secret)) {
    log.warn("calcom.webhook-signature-rejected", { coachId: scope.kind === "coach" ? scope.coachId : null });
    return { status: 401, body: { error: "invalid signature" } };
  }
  let hook: CalcomWebhook;
  try {
    hook = CalcomWebhookSchema.parse(JSON.parse(req.rawBody.toString("utf8")));
  } catch {
    return { status: 400, body: { error: "not a Cal.com webhook envelope" } };
  }
  if (!(await deliveryInScope(hook, scope))) {
    log.warn("calcom.webhook-out-of-scope", { coachId: scope.kind === "coach" ? scope.coachId : null, uid: hook.payload.uid ?? null });
    return { status: 403, body: { error: "this delivery's signer may not report on this booking" } };
  }
  const marker = webhookEventDoc(deliveryId(hook, scope));
  try {
    // Claim the delivery first (applying it reads Cal.com and runs its own transactions, so the
    // claim cannot share one): Cal.com does not retry, so de-duplication is our replay defence.
    await marker.create({
      source: "calcom",
      trigger: hook.triggerEvent,
      uid: hook.payload.uid ?? null,
      outcome: "processing",
      receivedAt: Timestamp.fromDate(deps.now()),
    });
  } catch {
    return { status: 200, body: { received: true, outcome: "duplicate" } };
  }
  try {
    const { outcome, bookingId } = await applyCalcomEvent(hook, deps);
    await marker.update({ outcome, bookingId });
    log.info("calcom.event", { trigger: hook.triggerEvent, uid: hook.payload.uid ?? null, bookingId, outcome });
    return { status: 200, body: { received: true, outcome } };
  } catch (err) {
    // Any failure, transient or not, releases the claim: Cal.com does not deliver again, so the
    // claim only keeps replays out, and a later delivery (or reconciliation) may try again.
    await marker.delete();
    log.error("calcom.event-failed", { trigger: hook.triggerEvent, code: errorCodeOf(err) }, err);
    return { status: 500, body: { error: "temporary failure" } };
  }
}
