import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { errorCodeOf } from "../../domain/errors.js";
import { CalcomWebhookSchema, type CalcomWebhook } from "../../integrations/calcom/calcom.schemas.js";
import { verifyCalcomSignature } from "../../integrations/calcom/calcom-webhook.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { webhookEventDoc } from "../../shared/firestore.js";
import type { HttpResponse, RawRequest } from "../../shared/http.js";
import { log } from "../../shared/logger.js";
import { applyCalcomEvent } from "./calcom-events.js";

/** Cal.com sends no event id: a delivery is identified by trigger, booking uid and send time. */
function deliveryId(hook: CalcomWebhook): string {
  const key = `${hook.triggerEvent}|${hook.payload.uid ?? ""}|${hook.createdAt}`;
  return `calcom_${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

/**
 * The Cal.com webhook as a plain function of the raw request: the signature first, then the
 * envelope, then the delivery is claimed once and handed to calcom-events for what it changes.
 */
export async function handleCalcomWebhook(req: RawRequest, deps: Dependencies): Promise<HttpResponse> {
  if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
  const secret = deps.config.calcomWebhookSecret;
  if (secret === null) {
    log.error("calcom.webhook-secret-missing");
    return { status: 500, body: { error: "webhook secret not configured" } };
  }
  if (!verifyCalcomSignature(req.rawBody, req.header("x-cal-signature-256"), secret)) {
    log.warn("calcom.webhook-signature-rejected");
    return { status: 401, body: { error: "invalid signature" } };
  }
  let hook: CalcomWebhook;
  try {
    hook = CalcomWebhookSchema.parse(JSON.parse(req.rawBody.toString("utf8")));
  } catch {
    return { status: 400, body: { error: "not a Cal.com webhook envelope" } };
  }
  const marker = webhookEventDoc(deliveryId(hook));
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
