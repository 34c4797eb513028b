import { z } from "zod";
import { AppError } from "./errors.js";

export const BOOKING_STATUSES = ["requested", "confirmed", "cancelled"] as const;
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
];

/**
 * Allowed moves between two different states. Staying in the same state is always allowed: a
 * retried trigger or a duplicated webhook re-applies what is already there.
 */
const ALLOWED: Readonly<Record<StateKey, readonly StateKey[]>> = {
  "requested/pending": ["requested/paid", "cancelled/pending"],
  "requested/paid": ["confirmed/paid", "cancelled/paid", "cancelled/refunded"],
  "confirmed/paid": ["cancelled/paid", "cancelled/refunded"],
  // A payment that completes after its hold was released is recorded, then refunded in full.
  "cancelled/pending": ["cancelled/paid", "cancelled/refunded"],
  // A refund made later (reconciliation, a coach's goodwill) after a no-refund cancellation.
  "cancelled/paid": ["cancelled/refunded"],
  "cancelled/refunded": [],
  // Pairs that are not states: nothing leads out of them.
  "requested/refunded": [],
  "confirmed/pending": [],
  "confirmed/refunded": [],
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
