import type { Booking, Reschedule } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { REASON_MAX_CHARS, boundText } from "../../domain/text.js";
import { MINUTE_MS, epochMs } from "../../domain/time.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { coachDoc, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { HOLD_MINUTES } from "../../domain/limits.js";
import { appendAudit } from "../../core/audit.js";
import { requireBooking, writeBooking } from "../../core/bookings.repository.js";
import { reserveMoveInTx } from "../../core/calendar.repository.js";
import { abandonRescheduleInTx, patchReschedule } from "../../core/effects/move-payments.js";
import { moveInCalcom } from "../../core/effects/calcom-move.js";
import { planMove, roleOf } from "../../domain/reschedule-plan.js";
import type { RescheduleBookingInput, RescheduleBookingOut } from "./reschedules.schemas.js";

export const KEEP_DIFFERENCE_MESSAGE =
  "Only an admin can keep a cheaper offering's difference: a move to a cheaper offering always refunds it.";

/** The answer for a move `r` of the booking (`r` may already be done: then the booking shows it made). */
function outOf(
  bookingId: string,
  booking: Booking,
  status: RescheduleBookingOut["status"],
  r: Reschedule | null = booking.reschedule,
): RescheduleBookingOut {
  return {
    bookingId,
    status,
    startTime: r?.newStartTime ?? booking.startTime,
    endTime: r?.newEndTime ?? booking.endTime,
    offeringId: r?.newOfferingId ?? booking.offeringId,
    difference: { kind: r?.difference.kind ?? "none", amountCents: r?.difference.amountCents ?? 0, currency: booking.currency },
    checkoutUrl: r?.checkoutUrl ?? null,
    calcomBookingUid: booking.calcomBookingUid,
  };
}

/**
 * Moves a paid booking to a new time, and optionally to another offering of the coach. The new
 * interval is reserved at once (the same no-overlap guarantee as a booking). With nothing to pay
 * the Cal.com move is made before answering; with a difference to pay the answer carries a
 * Checkout URL and the move completes when Stripe reports the payment (the booking trigger). A
 * cheaper offering's difference is refunded by the trigger once the move is made.
 */
export async function rescheduleBooking(
  input: RescheduleBookingInput,
  caller: CallerContext,
  deps: Dependencies,
): Promise<RescheduleBookingOut> {
  const uid = requireUid(caller);
  const now = deps.now();
  const { bookingId } = input;
  const started = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    const role = roleOf(booking, uid, caller.isAdmin);
    if (role === null) throw new AppError("auth/permission-denied", "Only the student or the coach of this booking can move it.");
    if (!input.refundDifference && role !== "admin") throw new AppError("auth/permission-denied", KEEP_DIFFERENCE_MESSAGE);
    const r = booking.reschedule;
    if (r) {
      const same =
        epochMs(r.newStartTime) === epochMs(input.newStartTime) && r.newOfferingId === (input.newOfferingId ?? booking.offeringId);
      // A repeated request (a client retry) answers with the move under way.
      if (same) return { booking, fresh: false };
      throw new AppError(
        "booking/cannot-reschedule",
        "A move of this booking is already under way: pay or let it lapse before asking for another.",
        { details: { checkoutUrl: r.checkoutUrl } },
      );
    }
    const coach = (await coachDoc(booking.coachId).get()).data();
    if (!coach) throw new AppError("coach/not-found", "There is no coach with this id.");
    const plan = planMove({
      booking,
      coach,
      role,
      now,
      newStartTime: input.newStartTime,
      newEndTime: input.newEndTime,
      newOfferingId: input.newOfferingId,
    });
    if (input.expectedDifferenceCents !== undefined && input.expectedDifferenceCents !== plan.signedDifferenceCents) {
      throw new AppError("booking/quote-changed", "The price difference is no longer the one you were quoted: nothing was changed.", {
        details: { differenceCents: plan.signedDifferenceCents, currency: booking.currency },
      });
    }
    const reserve = await reserveMoveInTx(
      tx,
      booking.coachId,
      bookingId,
      {
        start: input.newStartTime,
        end: input.newEndTime,
        bufferBeforeMinutes: plan.limits.bufferBeforeMinutes,
        bufferAfterMinutes: plan.limits.bufferAfterMinutes,
      },
      now.getTime(),
    );
    const charge = plan.difference.kind === "charge";
    const reschedule = {
      id: `r${booking.rescheduleCount + 1}`,
      state: charge ? ("awaiting-payment" as const) : ("ready" as const),
      by: role,
      reason: boundText(input.reason, REASON_MAX_CHARS),
      requestedAt: now.toISOString(),
      newStartTime: input.newStartTime,
      newEndTime: input.newEndTime,
      newOfferingId: plan.offeringId,
      newEventTypeId: plan.eventTypeId,
      newPriceCents: plan.priceCents,
      newLimits: plan.limits,
      difference: { kind: plan.difference.kind, amountCents: plan.difference.amountCents },
      refundDifference: input.refundDifference,
      checkoutSessionId: null,
      checkoutUrl: null,
      holdExpiresAt: charge ? new Date(now.getTime() + HOLD_MINUTES * MINUTE_MS).toISOString() : null,
      paymentProcessing: false,
      newCalcomBookingUid: null,
      newCalcomBookingId: null,
      driver: charge ? ("trigger" as const) : ("caller" as const),
    };
    writeBooking(tx, bookingId, booking, booking, { reschedule, rescheduleCount: booking.rescheduleCount + 1 }, now);
    reserve();
    appendAudit(
      tx,
      bookingId,
      `reschedule-${reschedule.id}-requested`,
      {
        type: "reschedule-requested",
        rescheduleId: reschedule.id,
        by: role,
        to: input.newStartTime,
        offeringId: plan.offeringId,
        difference: reschedule.difference,
      },
      now,
    );
    return { booking: { ...booking, reschedule, rescheduleCount: booking.rescheduleCount + 1 }, fresh: true };
  });

  const r = started.booking.reschedule;
  if (!r) throw new AppError("booking/cannot-reschedule", "This booking has no move under way.");
  if (r.state === "awaiting-payment") {
    if (r.checkoutUrl !== null) return outOf(bookingId, started.booking, "awaiting-payment");
    return outOf(bookingId, await startDifferenceCheckout(bookingId, started.booking, deps), "awaiting-payment");
  }
  const outcome = await moveInCalcom(bookingId, deps, { interactive: true });
  const after = await requireBooking(bookingId);
  log.info("booking.reschedule-requested", {
    bookingId,
    rescheduleId: r.id,
    outcome: typeof outcome === "object" ? "rate-limited" : outcome,
  });
  return outOf(
    bookingId,
    after,
    outcome !== "moved" && outcome !== "nothing-to-do" ? "moving" : after.reschedule !== null ? "moving" : "rescheduled",
    r,
  );
}

/** The Checkout Session for a dearer move's difference (idempotent per move); a failure gives the move up. */
async function startDifferenceCheckout(bookingId: string, booking: Booking, deps: Dependencies): Promise<Booking> {
  const r = booking.reschedule;
  if (!r) return booking;
  let session;
  try {
    const email = await deps.emailOf(booking.userId);
    session = await (
      await deps.payments()
    ).createCheckoutSession({
      bookingId,
      purpose: { kind: "reschedule", rescheduleId: r.id },
      amountCents: r.difference.amountCents,
      currency: booking.currency,
      title: "Price difference for your rescheduled session",
      description: `Move to ${r.newStartTime}`,
      customerEmail: email,
      expiresAt: new Date(epochMs(r.holdExpiresAt ?? deps.now().toISOString())),
      successUrl: `${deps.config.appUrl}/bookings/${bookingId}?reschedule=success`,
      cancelUrl: `${deps.config.appUrl}/bookings/${bookingId}?reschedule=cancelled`,
      idempotencyKey: `booking-${bookingId}-reschedule-${r.id}-checkout`,
      transferGroup: bookingId,
    });
  } catch (err) {
    const now = deps.now();
    await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      if (current.reschedule?.id === r.id) await abandonRescheduleInTx(tx, bookingId, current, "the payment could not be started.", now);
    });
    throw err;
  }
  const next = { ...r, checkoutSessionId: session.id, checkoutUrl: session.url };
  await patchReschedule(bookingId, r.id, { checkoutSessionId: session.id, checkoutUrl: session.url }, deps.now());
  return { ...booking, reschedule: next };
}
