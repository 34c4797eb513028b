import { z } from "zod";
import { AppError } from "./errors.js";

export const BOOKING_STATUSES = ["requested", "confirmed", "cancelled", "completed", "no-show"] as const;
export const PAYMENT_STATUSES = ["pending", "paid", "refunded"] as const;
export const BookingStatusSchema = z.enum(BOOKING_STATUSES);
export const PaymentStatusSchema = z.enum(PAYMENT_STATUSES);
export type BookingStatus = z.output<typeof BookingStatusSchema>;
export type PaymentStatus = z.output<typeof PaymentStatusSchema>;

export interface BookingState {
  status: BookingStatus;
  paymentStatus: PaymentStatus;
}

type StateKey = `${BookingStatus}/${PaymentStatus}`;

export function stateKey(state: BookingState): StateKey {
  return `${state.status}/${state.paymentStatus}`;
}

/**
 * The states a booking can be in. Other pairs (confirmed/pending, requested/refunded,
 * confirmed/refunded) never exist: a booking is confirmed only once paid, and money goes back
 * only with a cancellation (a partial refund of a live booking keeps it `paid` and shows in
 * `refundedCents`).
 */
export const BOOKING_STATES: readonly StateKey[] = [
  "requested/pending", // hold: Cal.com booking pending, Checkout open
  "requested/paid", // paid, Cal.com confirmation under way
  "confirmed/paid", // on the coach's calendar
  "cancelled/pending", // hold released (expired, failed or cancelled before payment)
  "cancelled/paid", // cancelled, policy refunded nothing (or the refund is still to be made)
  "cancelled/refunded", // cancelled, money (all or part) went back
  "completed/paid", // the session took place (its grace period passed, or an admin said so)
  "no-show/paid", // the student did not come (the payment is kept), or the coach did not and the refund is under way
  "no-show/refunded", // the coach did not come, or the session was refunded afterwards: the student's payment went back in full
  "completed/refunded", // the session took place, then its coach (or an admin) refunded it in full
];

/**
 * Allowed moves between two different states. Staying in the same state is always allowed: a
 * retried trigger or a duplicated webhook re-applies what is already there.
 */
const ALLOWED: Readonly<Record<StateKey, readonly StateKey[]>> = {
  "requested/pending": ["requested/paid", "cancelled/pending"],
  "requested/paid": ["confirmed/paid", "cancelled/paid", "cancelled/refunded"],
  // A coach's no-show with everything already refunded (a move to a free offering) reads refunded at once.
  "confirmed/paid": ["cancelled/paid", "cancelled/refunded", "completed/paid", "no-show/paid", "no-show/refunded"],
  // A payment that completes after its hold was released is recorded, then refunded in full.
  "cancelled/pending": ["cancelled/paid", "cancelled/refunded"],
  // A refund made later (reconciliation, a coach's goodwill) after a no-refund cancellation.
  "cancelled/paid": ["cancelled/refunded"],
  "cancelled/refunded": [],
  // A session that ended is settled: only a refund of all of it (a coach's no-show, `refundSession`) still moves money.
  "completed/paid": ["completed/refunded"],
  "no-show/paid": ["no-show/refunded"],
  "no-show/refunded": [],
  // Pairs that are not states: nothing leads out of them.
  "requested/refunded": [],
  "confirmed/pending": [],
  "confirmed/refunded": [],
  "completed/pending": [],
  "completed/refunded": [],
  "no-show/pending": [],
};

export function isBookingState(state: BookingState): boolean {
  return BOOKING_STATES.includes(stateKey(state));
}

export function canTransition(from: BookingState, to: BookingState): boolean {
  if (!isBookingState(from) || !isBookingState(to)) return false;
  const fromKey = stateKey(from);
  const toKey = stateKey(to);
  return fromKey === toKey || ALLOWED[fromKey].includes(toKey);
}

/** Returns `to` when the move is legal; otherwise throws `booking/illegal-transition`. */
export function transition(from: BookingState, to: BookingState): BookingState {
  if (!canTransition(from, to)) {
    throw new AppError("booking/illegal-transition", `This booking cannot go from ${stateKey(from)} to ${stateKey(to)}.`, {
      details: { from: stateKey(from), to: stateKey(to) },
    });
  }
  return { status: to.status, paymentStatus: to.paymentStatus };
}
