import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { DEFAULT_CANCELLATION_POLICY } from "../../src/domain/policy.js";
import type { Booking } from "../../src/domain/booking.js";
import { patchBooking, writeBooking } from "../../src/core/bookings.repository.js";
import { bookingDoc, coachDoc, getDb } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";

function aBooking(overrides: Partial<Booking> = {}): Booking {
  return {
    coachId: "coach-1",
    userId: "student-1",
    offeringId: "sixty",
    calcomEventTypeId: 101,
    startTime: "2026-12-10T10:00:00.000Z",
    endTime: "2026-12-10T11:00:00.000Z",
    timeZone: "Europe/Paris",
    calcomBookingId: 5001,
    calcomBookingUid: "uid-5001",
    status: "requested",
    paymentStatus: "pending",
    amountCents: 6_000,
    currency: "eur",
    priceCents: 6_000,
    refundedCents: 0,
    stripeCheckoutSessionId: "cs_test_1",
    stripePaymentIntentId: null,
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    holdExpiresAt: "2026-11-24T08:35:00.000Z",
    paymentProcessing: false,
    stripeCheckoutUrl: null,
    paidAt: null,
    calcomStatus: "pending",
    cancellation: null,
    sideEffectAttempts: {},
    refundKeyGenerations: {},
    needsReconciliation: false,
    lastError: null,
    limits: null,
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
    calcomAccount: null,
    attendance: null,
    platformFee: null,
    payout: null,
    sessionRefund: null,
    createdAt: "2026-11-24T08:00:00.000Z",
    updatedAt: "2026-11-24T08:00:00.000Z",
    ...overrides,
  };
}

beforeAll(() => {
  initAdminFor("demo-coachify-int");
});

describe("the typed Firestore layer", () => {
  it("stores booking instants as Timestamps and reads back the same booking", async () => {
    const id = uniqueId("booking");
    const booking = aBooking();
    await bookingDoc(id).set(booking);

    const raw = (await getDb().doc(`bookings/${id}`).get()).data();
    expect(raw?.startTime).toBeInstanceOf(Timestamp);
    expect((raw?.startTime as Timestamp).toDate().toISOString()).toBe("2026-12-10T10:00:00.000Z");

    const read = (await bookingDoc(id).get()).data();
    expect(read).toEqual(booking);
  });

  it("fails loudly when a stored booking breaks its schema", async () => {
    const id = uniqueId("booking");
    await getDb()
      .doc(`bookings/${id}`)
      .set({ ...aBooking(), startTime: Timestamp.now(), status: "teleported" });
    await expect(
      bookingDoc(id)
        .get()
        .then((s) => s.data()),
    ).rejects.toBeInstanceOf(ZodError);
  });

  it("refuses a booking whose refunds exceed its amount, on write and on read", async () => {
    const id = uniqueId("booking");
    expect(() => void bookingDoc(id).set(aBooking({ refundedCents: 9_000 }))).toThrow(/refundedCents/);
    expect((await getDb().doc(`bookings/${id}`).get()).exists).toBe(false);
    await getDb()
      .doc(`bookings/${id}`)
      .set({
        ...aBooking(),
        startTime: Timestamp.fromDate(new Date("2026-12-10T10:00:00.000Z")),
        endTime: Timestamp.fromDate(new Date("2026-12-10T11:00:00.000Z")),
        refundedCents: 9_000,
      });
    await expect(
      bookingDoc(id)
        .get()
        .then((s) => s.data()),
    ).rejects.toThrow(/refundedCents/);
  });

  it("regression #16.1: a change that could not be read back is refused before it is stored (one schema for write and read)", async () => {
    const id = uniqueId("booking");
    const booking = aBooking();
    await bookingDoc(id).set(booking);
    const tooLong = {
      by: "student" as const,
      reason: "r".repeat(501),
      at: "2026-12-01T10:00:00.000Z",
      refundCents: 0,
      refundedBeforeCents: 0,
      tier: "unpaid-hold",
    };
    const cancelTooLong = getDb().runTransaction((tx) => {
      writeBooking(tx, id, booking, { status: "cancelled", paymentStatus: "pending" }, { cancellation: tooLong }, new Date());
      return Promise.resolve();
    });
    await expect(cancelTooLong).rejects.toMatchObject({ code: "booking/unstorable" });
    const refundTooMuch = getDb().runTransaction((tx) => {
      patchBooking(tx, id, booking, { refundedCents: 6_001 }, new Date());
      return Promise.resolve();
    });
    await expect(refundTooMuch).rejects.toMatchObject({ code: "booking/unstorable" });
    expect((await bookingDoc(id).get()).data()).toEqual(booking);
  });

  it("fills a coach's defaults on read", async () => {
    const id = uniqueId("coach");
    await getDb().doc(`coaches/${id}`).set({ timeZone: "Europe/Paris" });
    expect((await coachDoc(id).get()).data()).toEqual({
      timeZone: "Europe/Paris",
      calcomUserId: null,
      calcomScheduleId: null,
      calcomMode: null,
      payoutAccount: null,
      availabilitySlots: [],
      customOfferings: [],
      eventTypeSyncError: null,
      profile: { headline: "", bio: "", photoUrl: null, languages: [], specialties: [], published: false },
      listing: { approval: null, unpublished: null },
    });
  });

  it("queries a coach's bookings by start time (the composite index of firestore.indexes.json)", async () => {
    const coachId = uniqueId("coach");
    await bookingDoc(uniqueId("b")).set(aBooking({ coachId, startTime: "2026-12-11T10:00:00.000Z", endTime: "2026-12-11T11:00:00.000Z" }));
    await bookingDoc(uniqueId("b")).set(aBooking({ coachId, startTime: "2026-12-09T10:00:00.000Z", endTime: "2026-12-09T11:00:00.000Z" }));
    const { bookingsCollection } = await import("../../src/shared/firestore.js");
    const snap = await bookingsCollection().where("coachId", "==", coachId).orderBy("startTime").get();
    expect(snap.docs.map((d) => d.data().startTime)).toEqual(["2026-12-09T10:00:00.000Z", "2026-12-11T10:00:00.000Z"]);
  });
});
