import { formatMoney } from "../../domain/money.js";
import type { Transaction } from "firebase-admin/firestore";
import type Stripe from "stripe";
import { disputesOf, type Booking, type Dispute } from "../../domain/booking.js";
import { disputeMoneyMove, isDisputeClosed, isStaleDisputeStatus } from "../../domain/dispute-status.js";

import { writeLedgerEntry } from "../ledger.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { writeBooking } from "../bookings.repository.js";

/**
 * Records what Stripe says of a dispute on one of the booking's payments (reads done by the
 * caller). A chargeback takes its amount back at once: one `dispute-withdrawn` ledger entry; a
 * dispute won puts it back: one `dispute-reinstated` entry; a lost one leaves the withdrawal as it
 * is. Inquiries (`warning_*`) move no money. Each dispute is kept apart (a booking has one per
 * payment at most) and its entries are keyed by it; an event whose status is behind the recorded
 * one (a late delivery) changes nothing, so redelivered or out-of-order events write nothing twice.
 */
export function recordDisputeInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  dispute: Stripe.Dispute,
  paymentIntentId: string,
  stripeEventId: string,
  now: Date,
): string {
  const disputes = disputesOf(booking);
  const previous = disputes.find((d) => d.id === dispute.id) ?? null;
  if (previous && isStaleDisputeStatus(previous.status, dispute.status)) return `dispute-stale-${dispute.status}`;
  const move = disputeMoneyMove(previous?.fundsWithdrawn ?? false, dispute.status);
  const entry = { bookingId, coachId: booking.coachId, currency: dispute.currency, stripeObjectId: dispute.id, paymentIntentId };
  if (move.withdraw) {
    const withdrawn = { ...entry, kind: "dispute-withdrawn" as const, amountCents: -dispute.amount, cause: `dispute-${dispute.reason}` };
    writeLedgerEntry(tx, bookingId, `${dispute.id}-withdrawn`, withdrawn, now);
  }
  if (move.reinstate) {
    const reinstated = { ...entry, kind: "dispute-reinstated" as const, amountCents: dispute.amount, cause: "dispute-won" };
    writeLedgerEntry(tx, bookingId, `${dispute.id}-reinstated`, reinstated, now);
  }
  const dueBy = dispute.evidence_details.due_by ?? null;
  const recorded: Dispute = {
    id: dispute.id,
    paymentIntentId,
    amountCents: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
    status: dispute.status,
    evidenceDueBy: dueBy === null ? null : new Date(dueBy * 1000).toISOString(),
    fundsWithdrawn: move.fundsWithdrawn,
  };
  const all = [...disputes.filter((d) => d.id !== recorded.id), recorded];
  const disputedCents = all.reduce((sum, d) => sum + (d.fundsWithdrawn ? d.amountCents : 0), 0);
  writeBooking(tx, bookingId, booking, booking, { dispute: recorded, disputes: all, disputedCents }, now);
  appendAudit(
    tx,
    bookingId,
    `dispute-${dispute.id}-${dispute.status}`,
    { type: "dispute", disputeId: dispute.id, status: dispute.status, amountCents: dispute.amount, reason: dispute.reason, stripeEventId },
    now,
  );
  if (!previous) {
    const due = recorded.evidenceDueBy ? ` Evidence is due by ${recorded.evidenceDueBy}.` : "";
    notifyParties(
      tx,
      bookingId,
      booking,
      {
        kind: `dispute-${dispute.id}`,
        topic: "dispute",
        title: "A payment is disputed",
        body: `The student's bank disputes ${formatMoney(dispute.amount, dispute.currency)} (${dispute.reason}).${due}`,
        amount: { amountCents: dispute.amount, currency: dispute.currency },
        only: "coach",
      },
      now,
    );
  }
  if (isDisputeClosed(dispute.status) && previous?.status !== dispute.status) {
    notifyParties(
      tx,
      bookingId,
      booking,
      {
        kind: `dispute-${dispute.id}-closed`,
        topic: "dispute",
        title: `Dispute ${dispute.status}`,
        body: `The dispute on ${formatMoney(dispute.amount, dispute.currency)} is closed: ${dispute.status}.`,
        amount: { amountCents: dispute.amount, currency: dispute.currency },
        only: "coach",
      },
      now,
    );
  }
  return `dispute-${dispute.status}`;
}
