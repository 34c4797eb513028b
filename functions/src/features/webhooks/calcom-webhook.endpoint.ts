import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import type { Request } from "firebase-functions/v2/https";
import { calcomCanceller } from "../../domain/calcom-cancellation.js";
import { AppError } from "../../domain/errors.js";
import { storedReason } from "../../domain/text.js";
import { CALCOM_HANDLED_TRIGGERS, CalcomWebhookSchema, type CalcomWebhook } from "../../integrations/calcom/calcom.schemas.js";
import { verifyCalcomSignature } from "../../integrations/calcom/calcom-webhook.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { bookingsCollection, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { resolveCalcomAccount } from "../calcom-accounts/calcom-accounts.repository.js";
import { judgeCalcomMove } from "../../domain/calcom-move.js";
import { appendAudit, notify, moveIntervalInTx, otherLiveIntervalsInTx, patchBooking, requireBooking, writeBooking } from "../bookings/bookings.repository.js";
import { recordCancellationInTx } from "../cancellations/cancellations.service.js";
import type { WebhookResponse } from "./stripe-webhook.endpoint.js";

type Outcome = "processed" | "duplicate" | "ignored" | "unknown-booking" | "echo";

/** Cal.com sends no event id: a delivery is identified by trigger, booking uid and send time. */
function deliveryId(hook: CalcomWebhook): string {
  const key = `${hook.triggerEvent}|${hook.payload.uid ?? ""}|${hook.createdAt}`;
  return `calcom_${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

async function bookingIdByUid(uid: string): Promise<string | null> {
  const snap = await bookingsCollection().where("calcomBookingUid", "==", uid).limit(1).get();
  return snap.docs[0]?.id ?? null;
}

/**
 * Applies what a Cal.com booking event says happened in Cal.com. Cal.com's payloads are not to be
 * trusted on status, so a cancellation or rejection is re-read from Cal.com
 * before it moves money. Our own changes echoed back find the booking already in that state and
 * change nothing.
 */
async function applyCalcomEvent(hook: CalcomWebhook, deps: Dependencies): Promise<{ outcome: Outcome; bookingId: string | null }> {
  const trigger = hook.triggerEvent;
  const uid = hook.payload.uid;
  if (!(CALCOM_HANDLED_TRIGGERS as readonly string[]).includes(trigger) || !uid) return { outcome: "ignored", bookingId: null };
  if ((trigger === "BOOKING_RESCHEDULED" || trigger === "BOOKING_REQUESTED") && hook.payload.rescheduleUid) {
    return applyCalcomMove(hook, uid, hook.payload.rescheduleUid, deps);
  }
  const bookingId = await bookingIdByUid(uid);
  if (!bookingId) return { outcome: "unknown-booking", bookingId: null };
  const booking = await requireBooking(bookingId);
  const now = deps.now();

  if (trigger === "BOOKING_CANCELLED" || trigger === "BOOKING_REJECTED") {
    if (booking.status === "cancelled") return { outcome: "echo", bookingId };
    const account = await resolveCalcomAccount(booking.coachId, deps.config);
    const current = await deps.bookingCalendar.getBooking(account, uid);
    if (current.status !== "cancelled" && current.status !== "rejected") return { outcome: "ignored", bookingId };
    // Rejecting is the host's doing; a cancellation is the student's only when an attendee made it,
    // by Cal.com's record first (the payload as a fallback), as reconciliation decides.
    const byCoach = trigger === "BOOKING_REJECTED" || calcomCanceller({
      cancelledBy: current.cancelledByEmail ?? hook.payload.cancelledBy,
      attendeeEmails: [...(current.attendeeEmails ?? []), ...(hook.payload.attendees ?? []).map((a) => a.email)],
    }) === "coach";
    const reason = storedReason(hook.payload.cancellationReason ?? hook.payload.rejectionReason, trigger === "BOOKING_REJECTED" ? "Rejected in Cal.com" : "Cancelled in Cal.com");
    await getDb().runTransaction(async (tx) => {
      const fresh = await requireBooking(bookingId, tx);
      if (fresh.status === "cancelled") return;
      await recordCancellationInTx(tx, bookingId, fresh, { by: byCoach ? "coach" : "student", reason, calcomStatus: current.status === "rejected" ? "rejected" : "cancelled" }, now);
    });
    return { outcome: "processed", bookingId };
  }

  if ((trigger === "BOOKING_CREATED" || trigger === "BOOKING_CONFIRMED") && (hook.payload.status ?? "").toUpperCase() === "ACCEPTED") {
    if (booking.calcomStatus === "accepted") return { outcome: "echo", bookingId };
    await getDb().runTransaction(async (tx) => {
      const fresh = await requireBooking(bookingId, tx);
      if (fresh.calcomStatus === "accepted" || fresh.status === "cancelled") return;
      // Accepted in Cal.com: the trigger finishes a paid booking's confirmation without calling it again.
      patchBooking(tx, bookingId, fresh, { calcomStatus: "accepted" }, now);
    });
    return { outcome: "processed", bookingId };
  }
  // BOOKING_REQUESTED without a rescheduleUid is our own create echoing: recorded only.
  return { outcome: "ignored", bookingId };
}

/**
 * A booking moved in Cal.com (`uid` new, `rescheduleUid` old). Our own moves echo back: the new
 * uid is already ours, or the booking has that very move under way. Another move is followed on
 * Cal.com's record of the new booking (never the payload's times): new times and uid, the old
 * uid kept in the chain, the calendar interval moved. Cal.com has already moved it and told the
 * people concerned, so a move that breaks our rules (who may move it and when, the coach's other
 * sessions, the price) is followed too, and escalated to an admin: recorded on the booking, in
 * its audit trail and in `adminAlerts`; never silently kept. A new booking Cal.com left pending
 * is confirmed by the booking trigger.
 */
async function applyCalcomMove(hook: CalcomWebhook, newUid: string, oldUid: string, deps: Dependencies): Promise<{ outcome: Outcome; bookingId: string | null }> {
  const known = await bookingIdByUid(newUid);
  if (known) return { outcome: "echo", bookingId: known };
  const bookingId = await bookingIdByUid(oldUid);
  if (!bookingId) {
    // Our own move may have been recorded between the two lookups: the old uid is then in the chain.
    const moved = await bookingsCollection().where("previousCalcomBookingUids", "array-contains", oldUid).limit(1).get();
    const id = moved.docs[0]?.id ?? null;
    return id ? { outcome: "echo", bookingId: id } : { outcome: "unknown-booking", bookingId: null };
  }
  const now = deps.now();
  const account = await resolveCalcomAccount((await requireBooking(bookingId)).coachId, deps.config);
  const fresh = await deps.bookingCalendar.getBooking(account, newUid);
  // The host moving it is the coach; the attendee, or anyone Cal.com does not name, is held to the student's rules.
  const movedBy = hook.payload.rescheduledBy?.toLowerCase() ?? null;
  const byCoach = movedBy !== null && movedBy === hook.payload.organizer?.email?.toLowerCase();
  const outcome = await getDb().runTransaction(async (tx): Promise<Outcome> => {
    const booking = await requireBooking(bookingId, tx);
    if (booking.calcomBookingUid !== oldUid || booking.status === "cancelled") return "echo";
    // Our own move, announced by Cal.com before we recorded it: the move finishes it.
    if (booking.reschedule && Date.parse(booking.reschedule.newStartTime) === Date.parse(fresh.start)) return "echo";
    const others = await otherLiveIntervalsInTx(tx, booking.coachId, bookingId, now.getTime());
    const breaches = judgeCalcomMove({ by: byCoach ? "coach" : "student", now, booking, moved: { start: fresh.start, end: fresh.end, eventTypeId: fresh.eventTypeId }, others });
    const interval = { start: fresh.start, end: fresh.end };
    const move = await moveIntervalInTx(tx, booking.coachId, bookingId, { start: booking.startTime, end: booking.endTime }, interval);
    const escalation = breaches.length === 0 ? null : { id: `calcom-move-${newUid}`, kind: "calcom-move" as const, at: now.toISOString(), rules: breaches.map((b) => b.rule), message: breaches.map((b) => b.message).join(" ") };
    writeBooking(tx, bookingId, booking, booking, {
      startTime: interval.start,
      endTime: interval.end,
      calcomBookingUid: newUid,
      calcomBookingId: fresh.calcomBookingId,
      calcomStatus: fresh.status,
      previousCalcomBookingUids: [...booking.previousCalcomBookingUids, oldUid],
      ...(escalation ? { escalations: [...booking.escalations, escalation] } : {}),
    }, now);
    move();
    appendAudit(tx, bookingId, `rescheduled-in-calcom-${newUid}`, { type: "rescheduled-in-calcom", by: byCoach ? "coach" : "student", from: booking.startTime, to: interval.start, calcomBookingUid: newUid, previousUid: oldUid }, now);
    if (escalation) {
      appendAudit(tx, bookingId, `calcom-move-escalated-${newUid}`, { type: "calcom-move-escalated", rules: escalation.rules, message: escalation.message, calcomBookingUid: newUid }, now);
      tx.set(getDb().collection("adminAlerts").doc(`${bookingId}_${escalation.id}`), { bookingId, kind: escalation.kind, rules: escalation.rules, message: escalation.message, createdAt: Timestamp.fromDate(now), resolvedAt: null });
      log.warn("calcom.move-escalated", { bookingId, rules: escalation.rules.join(",") });
    }
    const body = `Your session of ${booking.startTime} now starts at ${interval.start}.`;
    notify(tx, { bookingId, recipientId: booking.userId, kind: `rescheduled-${newUid}`, title: "Session moved", body }, now);
    notify(tx, { bookingId, recipientId: booking.coachId, kind: `rescheduled-${newUid}`, title: "Session moved", body }, now);
    return "processed";
  });
  return { outcome, bookingId };
}

/** The Cal.com webhook as a plain function of the raw request (signature first, then de-duplication). */
export async function handleCalcomWebhook(req: Pick<Request, "method" | "rawBody" | "header">, deps: Dependencies): Promise<WebhookResponse> {
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
  const marker = getDb().collection("webhookEvents").doc(deliveryId(hook));
  try {
    // Claim the delivery first: Cal.com does not retry, so de-duplication is our replay defence.
    await marker.create({ source: "calcom", trigger: hook.triggerEvent, uid: hook.payload.uid ?? null, outcome: "processing", receivedAt: Timestamp.fromDate(deps.now()) });
  } catch {
    return { status: 200, body: { received: true, outcome: "duplicate" } };
  }
  try {
    const { outcome, bookingId } = await applyCalcomEvent(hook, deps);
    await marker.update({ outcome, bookingId });
    log.info("calcom.event", { trigger: hook.triggerEvent, uid: hook.payload.uid ?? null, bookingId, outcome });
    return { status: 200, body: { received: true, outcome } };
  } catch (err) {
    // Let a later delivery (or reconciliation) try again: release the claim.
    await marker.delete();
    log.error("calcom.event-failed", { trigger: hook.triggerEvent, code: err instanceof AppError ? err.code : "internal" }, err);
    return { status: 500, body: { error: "temporary failure" } };
  }
}
