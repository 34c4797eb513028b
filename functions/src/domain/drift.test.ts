import { describe, expect, it } from "vitest";
import { BookingSchema, type Booking } from "./booking.js";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";
import { findDrifts, isOrphanCalcomBooking, type BookingView } from "./drift.js";
import { NO_ATTENDANCE } from "./attendance.js";

const NOW = new Date("2030-01-06T09:00:00.000Z");
const LONG_AGO = "2030-01-06T08:00:00.000Z";

function booking(patch: Partial<Booking> = {}): Booking {
  return BookingSchema.parse({
    coachId: "coach",
    userId: "student",
    offeringId: "sixty",
    calcomEventTypeId: 1,
    startTime: "2030-01-07T09:00:00.000Z",
    endTime: "2030-01-07T10:00:00.000Z",
    timeZone: "UTC",
    calcomBookingId: 7,
    calcomBookingUid: "uid-1",
    status: "confirmed",
    paymentStatus: "paid",
    amountCents: 10_000,
    currency: "eur",
    refundedCents: 0,
    stripeCheckoutSessionId: "cs_1",
    stripePaymentIntentId: "pi_1",
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    calcomStatus: "accepted",
    charges: [{ paymentIntentId: "pi_1", amountCents: 10_000, refundedCents: 0, cause: "checkout" }],
    paymentIntentIds: ["pi_1"],
    createdAt: LONG_AGO,
    updatedAt: LONG_AGO,
    ...patch,
  });
}

function view(b: Booking, patch: Partial<BookingView> = {}): BookingView {
  return {
    bookingId: "b1",
    booking: b,
    now: NOW,
    calcom: null,
    session: null,
    refunds: [],
    recordedRefundIds: new Set(),
    openDisputesAtStripe: new Map(),
    ...patch,
  };
}

const move = {
  id: "r1",
  by: "student" as const,
  reason: "",
  requestedAt: LONG_AGO,
  newStartTime: "2030-01-07T11:00:00.000Z",
  newEndTime: "2030-01-07T12:00:00.000Z",
  newOfferingId: "deep",
  newEventTypeId: 2,
  newPriceCents: 15_000,
  newLimits: null,
  difference: { kind: "charge" as const, amountCents: 5_000 },
  refundDifference: true,
  checkoutSessionId: "cs_2",
  checkoutUrl: "https://pay",
  newCalcomBookingUid: null,
  newCalcomBookingId: null,
  driver: "trigger" as const,
  paymentProcessing: false,
};

const kinds = (v: BookingView) => findDrifts(v).map((d) => d.kind);

describe("findDrifts", () => {
  it("finds nothing in a settled confirmed booking", () => {
    expect(findDrifts(view(booking()))).toEqual([]);
  });

  it("leaves work under way alone: a booking changed within the settle window", () => {
    expect(kinds(view(booking({ status: "requested", updatedAt: "2030-01-06T08:59:30.000Z" })))).toEqual([]);
    expect(kinds(view(booking({ status: "requested" })))).toEqual(["paid-not-confirmed"]);
  });

  it("regression #16.3: a paid booking rejected or cancelled in Cal.com before confirmation is the coach's cancellation, never confirmed again", () => {
    const b = booking({ status: "requested", calcomStatus: "pending" });
    expect(findDrifts(view(b, { calcom: { calcomBookingId: 7, calcomBookingUid: "uid-1", status: "rejected" } }))).toEqual([
      { kind: "cancelled-in-calcom", by: "coach", calcomStatus: "rejected" },
    ]);
    expect(
      findDrifts(
        view(b, {
          calcom: {
            calcomBookingId: 7,
            calcomBookingUid: "uid-1",
            status: "cancelled",
            cancelledByEmail: "student@example.com",
            attendeeEmails: ["student@example.com"],
          },
        }),
      ),
    ).toEqual([{ kind: "cancelled-in-calcom", by: "coach", calcomStatus: "cancelled" }]);
    // A confirmed one cancelled by the attendee is the student's.
    expect(
      findDrifts(
        view(booking(), {
          calcom: {
            calcomBookingId: 7,
            calcomBookingUid: "uid-1",
            status: "cancelled",
            cancelledByEmail: "student@example.com",
            attendeeEmails: ["student@example.com"],
          },
        }),
      ),
    ).toEqual([{ kind: "cancelled-in-calcom", by: "student", calcomStatus: "cancelled" }]);
  });

  it("regression #16.16: a booking Cal.com cancelled because it was moved is followed, never cancelled or refunded", () => {
    const moved = {
      calcomBookingId: 7,
      calcomBookingUid: "uid-1",
      status: "cancelled" as const,
      rescheduledToUid: "uid-2",
      hostEmails: ["coach@example.com"],
      attendeeEmails: ["student@example.com"],
    };
    expect(findDrifts(view(booking(), { calcom: { ...moved, rescheduledByEmail: "Coach@example.com" } }))).toEqual([
      { kind: "moved-in-calcom", fromUid: "uid-1", toUid: "uid-2", by: "coach" },
    ]);
    // The attendee, or nobody Cal.com names, is held to the student's rules; a paid booking still waiting for confirmation too.
    expect(findDrifts(view(booking(), { calcom: { ...moved, rescheduledByEmail: "student@example.com" } }))).toEqual([
      { kind: "moved-in-calcom", fromUid: "uid-1", toUid: "uid-2", by: "student" },
    ]);
    expect(
      findDrifts(view(booking({ status: "requested", calcomStatus: "pending" }), { calcom: { ...moved, rescheduledByEmail: null } })),
    ).toEqual([{ kind: "moved-in-calcom", fromUid: "uid-1", toUid: "uid-2", by: "student" }]);
    // Without a successor it is a cancellation.
    expect(kinds(view(booking(), { calcom: { ...moved, rescheduledToUid: null } }))).toEqual(["cancelled-in-calcom"]);
  });

  it("regression #16.16: the booking a move made in Cal.com created is not an orphan; a leftover still is", () => {
    const listed = { calcomBookingId: 8, calcomBookingUid: "uid-2", status: "accepted" as const, bookingId: "b1", updatedAt: LONG_AGO };
    expect(isOrphanCalcomBooking({ ...listed, rescheduledFromUid: "uid-1" }, booking(), NOW)).toBe(false);
    expect(isOrphanCalcomBooking({ ...listed, rescheduledFromUid: null }, booking(), NOW)).toBe(true);
    expect(isOrphanCalcomBooking({ ...listed, rescheduledFromUid: "uid-0" }, booking(), NOW)).toBe(true);
    expect(isOrphanCalcomBooking({ ...listed, rescheduledFromUid: "uid-1" }, booking({ status: "cancelled" }), NOW)).toBe(true);
  });

  it("regression #16.3: a paid move left undone, and a move past its payment hold", () => {
    expect(kinds(view(booking({ reschedule: { ...move, state: "ready", holdExpiresAt: null } })))).toEqual(["move-stuck"]);
    expect(kinds(view(booking({ reschedule: { ...move, state: "awaiting-payment", holdExpiresAt: "2030-01-06T08:59:00.000Z" } })))).toEqual(
      ["move-hold-expired"],
    );
    expect(kinds(view(booking({ reschedule: { ...move, state: "awaiting-payment", holdExpiresAt: "2030-01-06T09:10:00.000Z" } })))).toEqual(
      [],
    );
  });

  it("regression #16.3: a cancellation still live in Cal.com before the session ends", () => {
    const cancellation = {
      by: "coach" as const,
      reason: "Ill",
      at: LONG_AGO,
      refundCents: 10_000,
      refundedBeforeCents: 0,
      tier: "coach-cancellation",
    };
    const cancelled = booking({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000, cancellation });
    expect(kinds(view(cancelled))).toEqual(["release-undone"]);
    expect(kinds(view(cancelled, { now: new Date("2030-01-07T10:30:00.000Z") }))).toEqual([]);
    expect(kinds(view({ ...cancelled, calcomStatus: "cancelled" }))).toEqual([]);
    expect(kinds(view(booking({ calcomUidsToCancel: ["uid-0"] })))).toEqual(["release-undone"]);
  });

  it("finds no-show marks Cal.com has not been shown, once settled, on a live booking with a Cal.com booking", () => {
    const mark = { absent: "student" as const, at: LONG_AGO, via: "app" as const };
    const attendance = { ...NO_ATTENDANCE, coachMark: mark, revision: 2, mirroredRevision: 1 };
    expect(kinds(view(booking({ attendance })))).toEqual(["absence-unmirrored"]);
    expect(kinds(view(booking({ attendance: { ...attendance, mirroredRevision: 2 } })))).toEqual([]);
    expect(kinds(view(booking({ attendance, calcomBookingUid: null })))).toEqual([]);
    expect(kinds(view(booking({ attendance, updatedAt: NOW.toISOString() })))).toEqual([]);
  });

  it("regression #16.9: tells our refund whose answer was lost from one made outside our flow", () => {
    const refunds = [
      {
        paymentIntentId: "pi_1",
        refundId: "re_ours",
        amountCents: 4_000,
        ours: { bookingId: "b1", obligationKey: "r1-difference-refund" },
      },
      { paymentIntentId: "pi_1", refundId: "re_dash", amountCents: 1_000, ours: null },
      { paymentIntentId: "pi_1", refundId: "re_other", amountCents: 500, ours: { bookingId: "b2", obligationKey: "cancellation-refund" } },
      { paymentIntentId: "pi_1", refundId: "re_known", amountCents: 700, ours: { bookingId: "b1", obligationKey: "cancellation-refund" } },
    ];
    expect(findDrifts(view(booking(), { refunds, recordedRefundIds: new Set(["re_known"]) }))).toEqual([
      {
        kind: "refund-not-recorded",
        refundId: "re_ours",
        paymentIntentId: "pi_1",
        amountCents: 4_000,
        obligationKey: "r1-difference-refund",
      },
      { kind: "refund-outside-flow", refundId: "re_dash", paymentIntentId: "pi_1", amountCents: 1_000 },
      { kind: "refund-outside-flow", refundId: "re_other", paymentIntentId: "pi_1", amountCents: 500 },
    ]);
  });

  it("counts refunds found at Stripe against a cancellation's missing refund", () => {
    const cancellation = {
      by: "student" as const,
      reason: "Ill",
      at: LONG_AGO,
      refundCents: 10_000,
      refundedBeforeCents: 0,
      tier: "notice-24h",
    };
    const cancelled = booking({ status: "cancelled", paymentStatus: "paid", calcomStatus: "cancelled", cancellation });
    expect(findDrifts(view(cancelled))).toEqual([{ kind: "refund-missing", owedCents: 10_000 }]);
    const found = [
      { paymentIntentId: "pi_1", refundId: "re_1", amountCents: 6_000, ours: { bookingId: "b1", obligationKey: "cancellation-refund" } },
    ];
    expect(findDrifts(view(cancelled, { refunds: found })).map((d) => (d.kind === "refund-missing" ? d.owedCents : d.kind))).toEqual([
      "refund-not-recorded",
      4_000,
    ]);
  });

  it("a paid hold's session: the payment not recorded; an unpaid one past its expiry", () => {
    const hold = booking({
      status: "requested",
      paymentStatus: "pending",
      holdExpiresAt: "2030-01-06T08:30:00.000Z",
      charges: [],
      paymentIntentIds: [],
      stripePaymentIntentId: null,
    });
    const session = {
      id: "cs_1",
      url: null,
      status: "complete" as const,
      paymentStatus: "paid" as const,
      paymentIntentId: "pi_9",
      paymentProcessing: false,
      expiresAt: LONG_AGO,
    };
    expect(findDrifts(view(hold, { session }))).toEqual([{ kind: "paid-not-recorded", sessionId: "cs_1", paymentIntentId: "pi_9" }]);
    expect(kinds(view(hold))).toEqual(["hold-expired"]);
  });

  it("regression #16.17: a hold whose complete session's payment is processing is not expired before the session's start", () => {
    const hold = booking({
      status: "requested",
      paymentStatus: "pending",
      holdExpiresAt: "2030-01-06T08:30:00.000Z",
      charges: [],
      paymentIntentIds: [],
      stripePaymentIntentId: null,
    });
    const session = {
      id: "cs_1",
      url: null,
      status: "complete" as const,
      paymentStatus: "unpaid" as const,
      paymentIntentId: "pi_9",
      paymentProcessing: true,
      expiresAt: LONG_AGO,
    };
    // Its event lost: recorded as processing, as the event would have.
    expect(findDrifts(view(hold, { session }))).toEqual([
      { kind: "payment-processing-not-recorded", sessionId: "cs_1", paymentIntentId: "pi_9" },
    ]);
    // Recorded already: nothing to do until the start.
    expect(kinds(view(booking({ ...hold, paymentProcessing: true, holdExpiresAt: hold.startTime }), { session }))).toEqual([]);
    // At the start the wait is over: an expired hold like any other.
    expect(
      kinds(view(booking({ ...hold, paymentProcessing: true, holdExpiresAt: hold.startTime }), { session, now: new Date(hold.startTime) })),
    ).toEqual(["hold-expired"]);
    expect(kinds(view(hold, { session, now: new Date(hold.startTime) }))).toEqual(["hold-expired"]);
    // A failed delayed payment leaves the session complete and unpaid, no longer processing.
    expect(kinds(view(hold, { session: { ...session, paymentProcessing: false } }))).toEqual(["hold-expired"]);
  });

  it("regression #16.27: a live booking's owed refund left undone (its attempts spent) is a refund-missing drift", () => {
    const owing = booking({
      refundsOwed: [{ key: "r1-difference-refund", amountCents: 5_000, refundedCents: 0, cause: "price-difference" }],
      sideEffectAttempts: { "stripe-refund": 3 },
    });
    expect(findDrifts(view(owing))).toEqual([{ kind: "refund-missing", owedCents: 5_000 }]);
  });
});
