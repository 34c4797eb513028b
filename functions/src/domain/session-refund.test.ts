import { describe, expect, it } from "vitest";
import { BookingSchema, type Booking } from "./booking.js";
import { AppError } from "./errors.js";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";
import { SESSION_REFUND_WINDOW_DAYS, decideSessionRefund } from "./session-refund.js";

const END = "2030-01-07T10:00:00.000Z";
const DAY = 86_400_000;

function ended(overrides: Partial<Booking> = {}): Booking {
  return BookingSchema.parse({
    coachId: "c",
    userId: "s",
    offeringId: "sixty",
    calcomEventTypeId: 1,
    startTime: "2030-01-07T09:00:00.000Z",
    endTime: END,
    timeZone: "UTC",
    calcomBookingId: 1,
    calcomBookingUid: "u",
    status: "completed",
    paymentStatus: "paid",
    amountCents: 6_000,
    currency: "eur",
    priceCents: 6_000,
    refundedCents: 0,
    stripeCheckoutSessionId: "cs_1",
    stripePaymentIntentId: "pi_1",
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    holdExpiresAt: "2030-01-01T00:00:00.000Z",
    createdAt: "2030-01-01T00:00:00.000Z",
    updatedAt: "2030-01-01T00:00:00.000Z",
    ...overrides,
  });
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof AppError) return err.code;
  }
  return null;
};

describe("decideSessionRefund", () => {
  it("gives back everything still paid, to the coach or an admin, up to the window's last instant", () => {
    const last = new Date(Date.parse(END) + SESSION_REFUND_WINDOW_DAYS * DAY);
    expect(decideSessionRefund(ended(), "coach", last)).toEqual({ refundCents: 6_000 });
    expect(decideSessionRefund(ended({ refundedCents: 1_000 }), "admin", last)).toEqual({ refundCents: 5_000 });
    expect(code(() => decideSessionRefund(ended(), "coach", new Date(last.getTime() + 1)))).toBe("booking/already-settled");
  });

  it("refuses the student, a session not ended (cancel it instead), a cancelled one, and one with nothing left", () => {
    const now = new Date(Date.parse(END) + DAY);
    expect(code(() => decideSessionRefund(ended(), "student", now))).toBe("auth/permission-denied");
    expect(code(() => decideSessionRefund(ended({ status: "confirmed" }), "coach", now))).toBe("booking/not-started");
    expect(code(() => decideSessionRefund(ended({ status: "cancelled" }), "coach", now))).toBe("booking/already-settled");
    expect(code(() => decideSessionRefund(ended({ refundedCents: 6_000 }), "coach", now))).toBe("booking/already-settled");
  });
});
