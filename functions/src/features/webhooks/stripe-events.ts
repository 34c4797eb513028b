import type { Transaction } from "firebase-admin/firestore";
import type Stripe from "stripe";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import { bookingsCollection } from "../../shared/firestore.js";
import { recordPaymentInTx, recordPaymentProcessingInTx } from "../../core/effects/payments.js";
import { releaseHoldInTx } from "../../core/effects/holds.js";
import { appendAudit } from "../../core/audit.js";
import { readBooking } from "../../core/bookings.repository.js";
import { recordDisputeInTx } from "../../core/effects/disputes.js";
import { recordPayoutAccountInTx } from "../../core/payout-accounts.js";
import { connectedAccountOf } from "../../domain/stripe-views.js";
import { abandonRescheduleInTx, recordRescheduleProcessingInTx, recordReschedulePaymentInTx } from "../../core/effects/move-payments.js";

/** The metadata keys we set ourselves on every Stripe object of a booking. */
const OurMetadataSchema = z.looseObject({
  bookingId: z.string().min(1).optional(),
  purpose: z.literal("reschedule").optional(),
  rescheduleId: z
    .string()
    .regex(/^r[0-9]+$/)
    .optional(),
});

/** The move a payment is for, when it pays a reschedule's difference. */
function rescheduleIdOf(object: { metadata?: Stripe.Metadata | null }): string | null {
  const metadata = OurMetadataSchema.safeParse(object.metadata ?? {});
  return metadata.success && metadata.data.purpose === "reschedule" ? (metadata.data.rescheduleId ?? null) : null;
}

function bookingIdOf(object: { metadata?: Stripe.Metadata | null; client_reference_id?: string | null }): string | null {
  const metadata = OurMetadataSchema.safeParse(object.metadata ?? {});
  return (metadata.success ? metadata.data.bookingId : undefined) ?? object.client_reference_id ?? null;
}

/** How long a dispute whose payment we do not know yet is sent back to Stripe for redelivery. */
const DISPUTE_WAIT_MS = 3 * 24 * 3_600_000;

/** What a Stripe event did, recorded on its delivery's marker; `detail` names the change made. */
interface AppliedStripeEvent {
  outcome: "processed" | "ignored" | "unknown-booking";
  bookingId: string | null;
  detail: string;
}

/**
 * Records what a verified Stripe event says happened, inside the caller's transaction (the
 * endpoint's, which claims the event in it, so the booking change and the claim commit together).
 * Side effects (confirm in Cal.com, refunds) are left to the booking trigger.
 */
export async function applyStripeEventInTx(tx: Transaction, event: Stripe.Event, now: Date): Promise<AppliedStripeEvent> {
  let outcome: AppliedStripeEvent["outcome"] = "ignored";
  let bookingId: string | null = null;
  let detail = "";

  if (event.type === "checkout.session.completed" || event.type === "checkout.session.async_payment_succeeded") {
    const session = event.data.object;
    bookingId = bookingIdOf(session);
    const paymentIntentId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
    const booking = bookingId ? await readBooking(bookingId, tx) : undefined;
    if (bookingId && !booking) outcome = "unknown-booking";
    else if (booking && bookingId && session.payment_status === "paid" && paymentIntentId) {
      const rescheduleId = rescheduleIdOf(session);
      detail = rescheduleId
        ? recordReschedulePaymentInTx(
            tx,
            bookingId,
            booking,
            { rescheduleId, paymentIntentId, amountCents: session.amount_total ?? 0, stripeEventId: event.id },
            now,
          )
        : recordPaymentInTx(tx, bookingId, booking, paymentIntentId, event.id, now);
      outcome = "processed";
    } else if (booking && bookingId && event.type === "checkout.session.completed" && session.payment_status === "unpaid") {
      // A delayed payment method: the session is complete, the money is not there yet; the
      // hold (the booking's, or a move's new slot) waits for Stripe's verdict.
      const rescheduleId = rescheduleIdOf(session);
      const kept = rescheduleId
        ? recordRescheduleProcessingInTx(tx, bookingId, booking, { rescheduleId, paymentIntentId, stripeEventId: event.id }, now)
        : recordPaymentProcessingInTx(tx, bookingId, booking, paymentIntentId, event.id, now);
      if (kept) {
        outcome = "processed";
        detail = rescheduleId ? "reschedule-payment-processing" : "payment-processing";
      }
    }
  } else if (event.type === "payment_intent.payment_failed") {
    // One declined attempt: Checkout stays open and the student may try again, so the hold
    // stays too (only the session's expiry or a failed delayed payment ends it). Audit only.
    const intent = event.data.object;
    bookingId = bookingIdOf(intent);
    const booking = bookingId ? await readBooking(bookingId, tx) : undefined;
    if (bookingId && !booking) outcome = "unknown-booking";
    else if (booking && bookingId) {
      const error = intent.last_payment_error;
      appendAudit(
        tx,
        bookingId,
        `payment-declined-${event.id}`,
        {
          type: "payment-declined",
          paymentIntentId: intent.id,
          code: error?.code ?? null,
          declineCode: error?.decline_code ?? null,
          stripeEventId: event.id,
        },
        now,
      );
      outcome = "processed";
      detail = "payment-declined";
    }
  } else if (event.type === "checkout.session.expired" || event.type === "checkout.session.async_payment_failed") {
    const object = event.data.object;
    bookingId = bookingIdOf(object);
    const booking = bookingId ? await readBooking(bookingId, tx) : undefined;
    if (bookingId && !booking) outcome = "unknown-booking";
    else if (booking && bookingId) {
      const reason = event.type === "checkout.session.expired" ? "Payment not completed in time" : "Payment failed";
      const rescheduleId = rescheduleIdOf(object);
      if (rescheduleId) {
        // An unpaid move lapses: the booking keeps its time and the new slot is freed.
        if (
          booking.reschedule?.id === rescheduleId &&
          booking.reschedule.state === "awaiting-payment" &&
          (await abandonRescheduleInTx(tx, bookingId, booking, "the difference was not paid.", now))
        ) {
          outcome = "processed";
          detail = "reschedule-abandoned";
        }
      } else if (await releaseHoldInTx(tx, bookingId, booking, reason, `released-${event.id}`, now, { stripeEventId: event.id })) {
        outcome = "processed";
        detail = "hold-released";
      }
    }
  } else if (event.type === "account.updated") {
    // A coach's connected account (a Connect event: `event.account` is the account itself).
    const account = event.data.object;
    const coachId = z.looseObject({ coachId: z.string().min(1).max(128).optional() }).safeParse(account.metadata ?? {}).data?.coachId;
    if (coachId) {
      detail = `payout-account-${await recordPayoutAccountInTx(tx, coachId, connectedAccountOf(account), event.created, now)}`;
      outcome = "processed";
    }
  } else if (event.type === "transfer.created" || event.type === "transfer.reversed" || event.type === "transfer.updated") {
    // The platform's own transfers to coaches: runPayouts records each from Stripe's answer (its
    // intent written before the call), and reconciliation compares the record with Stripe's list
    // of the booking's transfers. An event would be a second writer, and an unordered one: it is
    // only noted, on its marker, against the booking its transfer group names.
    const group = event.data.object.transfer_group;
    // A group set elsewhere (the Dashboard) may be no document id at all.
    if (group && /^[\w-]{1,128}$/.test(group) && (await readBooking(group, tx))) bookingId = group;
    detail = "transfer-left-to-reconciliation";
  } else if (event.type === "charge.dispute.created" || event.type === "charge.dispute.updated" || event.type === "charge.dispute.closed") {
    const dispute = event.data.object;
    const paymentIntentId = typeof dispute.payment_intent === "string" ? dispute.payment_intent : (dispute.payment_intent?.id ?? null);
    // Disputes carry none of our metadata: the booking is found by the payment it disputes.
    const found = paymentIntentId
      ? await tx.get(bookingsCollection().where("paymentIntentIds", "array-contains", paymentIntentId).limit(1))
      : null;
    const doc = found?.docs[0];
    // Stripe does not keep order: a dispute can arrive before the event of the payment it
    // disputes has been recorded. Answered 500 (nothing recorded), Stripe delivers it again
    // later, for up to three days; a dispute older than that names no payment of ours.
    if (!doc && paymentIntentId && now.getTime() - dispute.created * 1000 < DISPUTE_WAIT_MS) {
      throw new AppError("request/in-progress", "The disputed payment is not recorded yet: deliver this event again later.");
    }
    if (!doc || !paymentIntentId) outcome = "unknown-booking";
    else {
      bookingId = doc.id;
      detail = recordDisputeInTx(tx, doc.id, doc.data(), dispute, paymentIntentId, event.id, now);
      outcome = "processed";
    }
  }
  return { outcome, bookingId, detail };
}
