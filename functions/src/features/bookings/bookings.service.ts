import { feeFor } from "../../domain/payouts.js";
import { effectivePolicy } from "../../domain/policy.js";
import type { Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { HOLD_MINUTES, bookingRefusal, effectiveLimits } from "../../domain/limits.js";
import { MINUTE_MS, epochMs } from "../../domain/time.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { coachDoc, getDb, newBookingId, rawBookingDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { accountRefOf, resolveCalcomAccount } from "../../core/calcom-accounts.repository.js";
import { OFFERING_NOT_SYNCED_MESSAGE } from "../../domain/offering.js";
import { COACH_NOT_SYNCED_MESSAGE } from "../../domain/coach.js";
import { confirmInCalcom } from "../../core/effects/calcom-booking.js";
import { releaseHold } from "../../core/effects/holds.js";
import { runBookingEffects } from "../../core/effects/runner.js";
import { appendAudit } from "../../core/audit.js";
import { requireBooking, writeBooking } from "../../core/bookings.repository.js";
import { reserveAndCreate } from "../../core/calendar.repository.js";
import type { ConfirmBookingInput, CreateBookingInput } from "./bookings.schemas.js";

/**
 * Books a slot: reserves it for the coach (no overlap with any live booking of theirs), creates
 * the pending Cal.com booking with our id in its metadata, then the Checkout Session. A failure
 * at any step undoes the earlier ones: the hold is released and the Cal.com booking cancelled (or,
 * if that fails too, the booking is marked for reconciliation).
 */
export async function createBooking(
  input: CreateBookingInput,
  caller: CallerContext,
  deps: Dependencies,
): Promise<{ bookingId: string; checkoutUrl: string | null }> {
  const uid = requireUid(caller);
  if (input.userId !== uid) throw new AppError("auth/permission-denied", "You can only book sessions for yourself.");
  const coach = (await coachDoc(input.coachId).get()).data();
  if (!coach) throw new AppError("coach/not-found", "There is no coach with this id.");
  if (coach.calcomUserId === null || coach.calcomScheduleId === null) throw new AppError("coach/not-synced", COACH_NOT_SYNCED_MESSAGE);
  const offering = coach.customOfferings.find((o) => o.id === input.offeringId);
  if (!offering) throw new AppError("offering/not-found", "This coach has no such offering.");
  if (offering.calcomEventTypeId === null) throw new AppError("coach/not-synced", OFFERING_NOT_SYNCED_MESSAGE);
  if (offering.calcomEventTypeId !== input.eventTypeId)
    throw new AppError("request/invalid", "eventTypeId does not belong to this offering.");
  if (epochMs(input.endTime) - epochMs(input.startTime) !== offering.durationMinutes * MINUTE_MS) {
    throw new AppError("request/invalid", `A session of this offering lasts exactly ${offering.durationMinutes} minutes.`);
  }
  const now = deps.now();
  if (epochMs(input.startTime) <= now.getTime()) throw new AppError("request/invalid", "This time has already passed.");
  const limits = effectiveLimits(coach.schedulingLimits, offering.schedulingLimits);
  const refusal = bookingRefusal({ start: input.startTime, now, limits, coachTimeZone: coach.timeZone });
  if (refusal) throw new AppError("booking/outside-limits", refusal.message, { details: { limit: refusal.limit } });

  const bookingId = newBookingId();
  const nowIso = now.toISOString();
  const booking: Booking = {
    coachId: input.coachId,
    userId: uid,
    offeringId: offering.id,
    calcomEventTypeId: input.eventTypeId,
    startTime: input.startTime,
    endTime: input.endTime,
    timeZone: input.timeZone ?? "UTC",
    calcomBookingId: null,
    calcomBookingUid: null,
    status: "requested",
    paymentStatus: "pending",
    amountCents: offering.priceCents,
    currency: offering.currency,
    priceCents: offering.priceCents,
    refundedCents: 0,
    stripeCheckoutSessionId: null,
    stripePaymentIntentId: null,
    // Frozen now: later changes to the coach's policy never touch this booking.
    cancellationPolicy: effectivePolicy(coach.cancellationPolicy, offering.cancellationPolicy),
    platformFee: feeFor(deps.config.platformFee, coach.platformFee, offering.currency),
    limits,
    holdExpiresAt: new Date(now.getTime() + HOLD_MINUTES * MINUTE_MS).toISOString(),
    paymentProcessing: false,
    stripeCheckoutUrl: null,
    paidAt: null,
    calcomStatus: null,
    cancellation: null,
    sideEffectAttempts: {},
    refundKeyGenerations: {},
    charges: [],
    paymentIntentIds: [],
    dispute: null,
    disputes: [],
    disputedCents: 0,
    refundsOwed: [],
    reschedule: null,
    rescheduleCount: 0,
    previousCalcomBookingUids: [],
    calcomUidsToCancel: [],
    escalations: [],
    needsReconciliation: false,
    lastError: null,
    calcomAccount: null,
    attendance: null,
    payout: null,
    sessionRefund: null,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  // Read while the slot is being reserved: neither depends on it, and the student is waiting.
  const accountRead = resolveCalcomAccount(input.coachId, deps);
  const emailRead = deps.emailOf(uid);
  accountRead.catch(() => undefined);
  emailRead.catch(() => undefined);
  await reserveAndCreate(bookingId, booking, now.getTime(), deps.config.maxUpcomingPerStudent);
  const ref = rawBookingDoc(bookingId);

  const [account, email] = await Promise.all([accountRead, emailRead]).catch(async (err: unknown) => {
    await releaseHold(bookingId, "Booking could not be created", deps);
    throw err;
  });
  let calcom;
  try {
    calcom = await deps.bookingCalendar.createBooking(account, {
      eventTypeId: input.eventTypeId,
      start: input.startTime,
      attendee: { name: email.split("@")[0] ?? "Student", email, timeZone: booking.timeZone },
      bookingId,
    });
  } catch (err) {
    await releaseHold(bookingId, "Cal.com refused the booking", deps);
    throw err;
  }
  const recordCalcom = ref.update({
    calcomBookingId: calcom.calcomBookingId,
    calcomBookingUid: calcom.calcomBookingUid,
    calcomStatus: calcom.status,
    calcomAccount: accountRefOf(account, coach.calcomUserId),
  });

  if (booking.amountCents === 0) {
    await recordCalcom;
    // Nothing to pay: the booking counts as paid and the trigger confirms it.
    await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      writeBooking(tx, bookingId, current, { status: "requested", paymentStatus: "paid" }, { paidAt: nowIso, holdExpiresAt: null }, now);
      appendAudit(tx, bookingId, "paid-free", { type: "payment-received", amountCents: 0 }, now);
    });
    return { bookingId, checkoutUrl: null };
  }

  let session;
  try {
    // The Checkout Session is asked for while the Cal.com booking is recorded; both must land.
    [, session] = await Promise.all([
      recordCalcom,
      (async () =>
        (await deps.payments()).createCheckoutSession({
          bookingId,
          amountCents: booking.amountCents,
          currency: booking.currency,
          title: offering.title,
          description: `${offering.title} on ${input.startTime}`,
          customerEmail: email,
          expiresAt: new Date(epochMs(booking.holdExpiresAt ?? nowIso)),
          successUrl: `${deps.config.appUrl}/bookings/${bookingId}?checkout=success`,
          cancelUrl: `${deps.config.appUrl}/bookings/${bookingId}?checkout=cancelled`,
          idempotencyKey: `booking-${bookingId}-checkout`,
          // Every payment of a booking is grouped under it, for the transfers to its coach.
          transferGroup: bookingId,
        }))(),
    ]);
  } catch (err) {
    await recordCalcom.catch(() => undefined);
    await releaseHold(bookingId, "Payment could not be started", deps);
    // Cancel the Cal.com booking now rather than leave it to the trigger: nothing half-made.
    await runBookingEffects(bookingId, deps);
    throw err;
  }
  await ref.update({ stripeCheckoutSessionId: session.id, stripeCheckoutUrl: session.url });
  log.info("booking.created", { bookingId, coachId: input.coachId, amountCents: booking.amountCents, currency: booking.currency });
  return { bookingId, checkoutUrl: session.url };
}

/**
 * Confirms in Cal.com a paid booking whose automatic confirmation failed. For the booking's coach
 * or an admin; an unpaid booking is refused.
 */
export async function confirmBookingByCaller(input: ConfirmBookingInput, caller: CallerContext, deps: Dependencies) {
  const uid = requireUid(caller);
  const booking = await requireBooking(input.bookingId);
  if (booking.coachId !== uid && !caller.isAdmin)
    throw new AppError("auth/permission-denied", "Only the coach of this booking can confirm it.");
  if (booking.calcomBookingId !== input.calcomBookingId)
    throw new AppError("request/invalid", "calcomBookingId does not match this booking.");
  if (booking.status === "confirmed") return { bookingId: input.bookingId, status: booking.status, paymentStatus: booking.paymentStatus };
  if (booking.paymentStatus !== "paid" || booking.status !== "requested") {
    throw new AppError("payment/not-paid", "This booking is not paid: it can be confirmed only once payment has succeeded.");
  }
  await confirmInCalcom(input.bookingId, deps, { manual: true });
  const after = await requireBooking(input.bookingId);
  return { bookingId: input.bookingId, status: after.status, paymentStatus: after.paymentStatus };
}
