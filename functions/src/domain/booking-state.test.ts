import { describe, expect, it } from "vitest";
import { AppError } from "./errors.js";
import {
  BOOKING_STATES,
  BOOKING_STATUSES,
  PAYMENT_STATUSES,
  canTransition,
  isBookingState,
  transition,
  type BookingState,
} from "./booking-state.js";

const ALL_PAIRS: BookingState[] = BOOKING_STATUSES.flatMap((status) =>
  PAYMENT_STATUSES.map((paymentStatus) => ({ status, paymentStatus })),
);
const key = (s: BookingState) => `${s.status}/${s.paymentStatus}`;

// The whole table, written out: every move not listed here must be refused.
const EXPECTED_MOVES = new Set([
  "requested/pending -> requested/paid",
  "requested/pending -> cancelled/pending",
  "requested/paid -> confirmed/paid",
  "requested/paid -> cancelled/paid",
  "requested/paid -> cancelled/refunded",
  "confirmed/paid -> cancelled/paid",
  "confirmed/paid -> cancelled/refunded",
  "cancelled/pending -> cancelled/paid",
  "cancelled/pending -> cancelled/refunded",
  "cancelled/paid -> cancelled/refunded",
  "confirmed/paid -> completed/paid",
  "confirmed/paid -> no-show/paid",
  "confirmed/paid -> no-show/refunded",
  "no-show/paid -> no-show/refunded",
  "completed/paid -> completed/refunded",
]);

describe("booking state machine", () => {
  it("has exactly ten states", () => {
    expect(ALL_PAIRS.filter(isBookingState).map(key).sort()).toEqual([...BOOKING_STATES].sort());
    expect(BOOKING_STATES).toHaveLength(10);
  });

  for (const from of ALL_PAIRS) {
    for (const to of ALL_PAIRS) {
      const move = `${key(from)} -> ${key(to)}`;
      const same = key(from) === key(to);
      const expected = isBookingState(from) && isBookingState(to) && (same || EXPECTED_MOVES.has(move));
      it(`${expected ? "allows" : "refuses"} ${move}`, () => {
        expect(canTransition(from, to)).toBe(expected);
        if (expected) {
          expect(transition(from, to)).toEqual(to);
        } else {
          expect(() => transition(from, to)).toThrow(AppError);
        }
      });
    }
  }

  it("names both states and the code in the error", () => {
    try {
      transition({ status: "cancelled", paymentStatus: "refunded" }, { status: "confirmed", paymentStatus: "paid" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      const appErr = err as AppError;
      expect(appErr.code).toBe("booking/illegal-transition");
      expect(appErr.message).toBe("This booking cannot go from cancelled/refunded to confirmed/paid.");
    }
  });
});
