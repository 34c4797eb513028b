import { calcomCanceller } from "../../domain/calcom-cancellation.js";
import { calcomMover } from "../../domain/calcom-move.js";
import { deliveryMayConcern, type CalcomDeliveryScope } from "../../domain/calcom-account.js";
import { storedReason } from "../../domain/text.js";
import { CALCOM_HANDLED_TRIGGERS, type CalcomWebhook } from "../../integrations/calcom/calcom.schemas.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingsCollection, getDb } from "../../shared/firestore.js";
import { accountOfBooking } from "../../core/calcom-accounts.repository.js";
import { patchBooking, requireBooking } from "../../core/bookings.repository.js";
import { followCalcomMove } from "../../core/effects/follow-calcom-move.js";
import { recordCalcomCancellation } from "../../core/effects/cancellation.js";
import { recordAbsenceMark, recordMeetingEnded } from "../../core/effects/attendance.js";
import { appendAudit } from "../../core/audit.js";
import { AppError } from "../../domain/errors.js";

/** What a Cal.com event did, recorded on its delivery's marker (`echo`: our own change, already applied). */
interface AppliedCalcomEvent {
  outcome: "processed" | "ignored" | "unknown-booking" | "echo";
  bookingId: string | null;
}

async function bookingIdByUid(uid: string): Promise<string | null> {
  const snap = await bookingsCollection().where("calcomBookingUid", "==", uid).limit(1).get();
  return snap.docs[0]?.id ?? null;
}

/**
 * Whether every booking of ours the delivery names (its booking, and for a move the one moved)
 * may be spoken about in `scope` (domain deliveryMayConcern). A uid we do not know is no one's.
 */
export async function deliveryInScope(hook: CalcomWebhook, scope: CalcomDeliveryScope): Promise<boolean> {
  for (const uid of [hook.payload.uid, hook.payload.rescheduleUid]) {
    if (!uid) continue;
    const bookingId = await bookingIdByUid(uid);
    if (bookingId !== null && !deliveryMayConcern(scope, await requireBooking(bookingId))) return false;
  }
  return true;
}

/**
 * Applies what a Cal.com booking event says happened in Cal.com. Cal.com's payloads are not to be
 * trusted on status, so a cancellation or rejection is re-read from Cal.com
 * before it moves money. Our own changes echoed back find the booking already in that state and
 * change nothing.
 */
export async function applyCalcomEvent(hook: CalcomWebhook, deps: Dependencies): Promise<AppliedCalcomEvent> {
  const trigger = hook.triggerEvent;
  const uid = hook.payload.uid;
  if (!(CALCOM_HANDLED_TRIGGERS as readonly string[]).includes(trigger) || !uid) return { outcome: "ignored", bookingId: null };
  if ((trigger === "BOOKING_RESCHEDULED" || trigger === "BOOKING_REQUESTED") && hook.payload.rescheduleUid) {
    return applyCalcomMove(hook, uid, hook.payload.rescheduleUid, deps);
  }
  const bookingId = await bookingIdByUid(uid);
  if (!bookingId) return { outcome: "unknown-booking", bookingId: null };
  if (trigger === "BOOKING_NO_SHOW_UPDATED") return applyCalcomNoShow(hook, bookingId, deps);
  if (trigger === "MEETING_ENDED") {
    const ended = Date.parse(hook.payload.endTime ?? "");
    if (Number.isNaN(ended)) return { outcome: "ignored", bookingId };
    const recorded = await recordMeetingEnded(bookingId, new Date(ended).toISOString(), deps);
    return { outcome: recorded ? "processed" : "echo", bookingId };
  }
  const booking = await requireBooking(bookingId);
  const now = deps.now();

  if (trigger === "BOOKING_CANCELLED" || trigger === "BOOKING_REJECTED") {
    if (booking.status === "cancelled") return { outcome: "echo", bookingId };
    const account = await accountOfBooking(booking, deps);
    const current = await deps.bookingCalendar.getBooking(account, uid);
    if (current.status !== "cancelled" && current.status !== "rejected") return { outcome: "ignored", bookingId };
    // Rejecting is the host's doing; a cancellation is the student's only when an attendee made it,
    // by Cal.com's record first (the payload as a fallback), as reconciliation decides.
    const byCoach =
      trigger === "BOOKING_REJECTED" ||
      calcomCanceller({
        cancelledBy: current.cancelledByEmail ?? hook.payload.cancelledBy,
        attendeeEmails: [...(current.attendeeEmails ?? []), ...(hook.payload.attendees ?? []).map((a) => a.email)],
      }) === "coach";
    const reason = storedReason(
      hook.payload.cancellationReason ?? hook.payload.rejectionReason,
      trigger === "BOOKING_REJECTED" ? "Rejected in Cal.com" : "Cancelled in Cal.com",
    );
    await recordCalcomCancellation(
      bookingId,
      { by: byCoach ? "coach" : "student", reason, calcomStatus: current.status === "rejected" ? "rejected" : "cancelled" },
      now,
    );
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
 * The coach marked (or unmarked) the attendee absent in Cal.com. Our bookings have one attendee,
 * the student: `noShow: true` is the coach's mark that the student did not come, applied exactly
 * as our own (`recordAbsenceMark`; our mirror echoing back is a repeated mark and changes
 * nothing). An unmark, or a mark our rules refuse (before the start, once settled), is written to
 * the audit trail only and answered 200: Cal.com does not retry, and marks are withdrawn in our app.
 */
async function applyCalcomNoShow(hook: CalcomWebhook, bookingId: string, deps: Dependencies): Promise<AppliedCalcomEvent> {
  const attendees = hook.payload.attendees ?? [];
  const auditOnly = async (entry: Record<string, unknown>) => {
    const now = deps.now();
    await getDb().runTransaction(async (tx) => {
      await requireBooking(bookingId, tx);
      appendAudit(
        tx,
        bookingId,
        `calcom-no-show-${Date.parse(hook.createdAt) || 0}`,
        { type: "calcom-no-show-not-applied", ...entry },
        now,
      );
    });
    return { outcome: "ignored" as const, bookingId };
  };
  if (!attendees.some((a) => a.noShow === true)) {
    if (attendees.some((a) => a.noShow === false)) return auditOnly({ reason: "unmarked-in-calcom" });
    return { outcome: "ignored", bookingId };
  }
  try {
    const { changed } = await recordAbsenceMark(bookingId, { by: "coach", absent: "student", via: "calcom" }, deps);
    return { outcome: changed ? "processed" : "echo", bookingId };
  } catch (err) {
    // Our rules' refusals only: anything else (a transient failure) releases the delivery to fail loudly.
    if (!(err instanceof AppError) || !(err.code.startsWith("booking/") || err.code.startsWith("request/"))) throw err;
    return auditOnly({ reason: "refused", code: err.code, message: err.message });
  }
}

/**
 * A booking moved in Cal.com (`uid` new, `rescheduleUid` old). Our own moves echo back: the new
 * uid is already ours, or the old one already in a booking's chain. Anything else is followed
 * as reconciliation follows a move whose webhook was lost (core/effects/follow-calcom-move).
 */
async function applyCalcomMove(hook: CalcomWebhook, newUid: string, oldUid: string, deps: Dependencies): Promise<AppliedCalcomEvent> {
  const known = await bookingIdByUid(newUid);
  if (known) return { outcome: "echo", bookingId: known };
  const bookingId = await bookingIdByUid(oldUid);
  if (!bookingId) {
    // Our own move may have been recorded between the two lookups: the old uid is then in the chain.
    const moved = await bookingsCollection().where("previousCalcomBookingUids", "array-contains", oldUid).limit(1).get();
    const id = moved.docs[0]?.id ?? null;
    return id ? { outcome: "echo", bookingId: id } : { outcome: "unknown-booking", bookingId: null };
  }
  const by = calcomMover({ rescheduledBy: hook.payload.rescheduledBy, hostEmails: [hook.payload.organizer?.email] });
  const { outcome } = await followCalcomMove({ bookingId, oldUid, newUid, by }, deps);
  return { outcome, bookingId };
}
