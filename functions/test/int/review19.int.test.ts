import { beforeAll, describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { eraseLateData } from "../../src/core/erasure.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { eraseAccount } from "../../src/features/personal-data/deletion.service.js";
import { bookingsCollection, notificationsCollection, studentHoldsDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { invoke, useDeployedCodeWithGuardsReset, useStandInsForDeployedCode } from "../helpers/callables.js";
import { testDependencies } from "../helpers/deps.js";
import { errorOf } from "../helpers/errors.js";
import { payAndConfirm, readyCoach, storedBooking, useStandIns } from "../helpers/in-process.js";

// Review of issue #19: an adversarial student, a careless coach, and late far ends.

const standIns = useStandIns();
const slot = (day: string) => ({ startTime: `${day}T09:00:00.000Z`, endTime: `${day}T10:00:00.000Z` });

describe("deleting an account while a booking is being made", () => {
  it("refuses a reservation that lands after the deletion began (its query already ran): no live booking of a deleted account", async () => {
    // createBooking reads the student's email before it reserves, and the reservation may commit
    // after eraseAccount has listed the student's bookings: that booking is never cancelled. The
    // email read is the only thing that would stop it (the Auth user is gone), and in the race it
    // has already answered. Here: the email came back before the deletion, the reservation after.
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 0, currency: "eur" });
    const studentId = uniqueId("student");
    await eraseAccount(studentId, "self", deps);
    const error = await errorOf(
      createBooking(
        { coachId, eventTypeId, offeringId: "sixty", userId: studentId, ...slot("2030-01-07") },
        { uid: studentId, isAdmin: false },
        deps,
      ),
    );
    expect(error.code).toBe("permission-denied");
    const live = await bookingsCollection().where("userId", "==", studentId).get();
    expect(live.docs.filter((d) => d.data().status !== "cancelled").map((d) => d.id)).toEqual([]);
    expect((await studentHoldsDoc(studentId).get()).exists).toBe(false);
  });
});

describe("a payment completing after the student deleted their account", () => {
  it("is refunded in full, once, and leaves them no notification", async () => {
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
    const studentId = uniqueId("student");
    const { bookingId } = await createBooking(
      { coachId, eventTypeId, offeringId: "sixty", userId: studentId, ...slot("2030-01-14") },
      { uid: studentId, isAdmin: false },
      deps,
    );
    const out = await eraseAccount(studentId, "self", deps);
    expect(out.cancelled).toEqual([bookingId]);
    await runBookingEffects(bookingId, deps);
    // The student had the Checkout page open and pays now (the event arrives twice).
    await payAndConfirm(bookingId, standIns.stripe, deps);
    await runBookingEffects(bookingId, deps);
    await runBookingEffects(bookingId, deps);
    await eraseLateData(bookingId, new Date());
    const b = await storedBooking(bookingId);
    expect({ status: b.status, paymentStatus: b.paymentStatus, refundedCents: b.refundedCents }).toEqual({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
    });
    const pi = b.stripePaymentIntentId ?? "";
    expect([...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === pi).map((r) => r.amount)).toEqual([10_000]);
    expect((await notificationsCollection().where("recipientId", "==", studentId).get()).size).toBe(0);
  });
});

describe("the call budget under an app's ordinary parallel calls", () => {
  useDeployedCodeWithGuardsReset(standIns);

  it("serves a handful of calls made at once, well inside the burst", async () => {
    Object.assign(process.env, { RATE_LIMIT_CALLS_PER_MINUTE: "60", RATE_LIMIT_BURST: "30" });
    const caller = { uid: uniqueId("app") };
    const answers = await Promise.all(Array.from({ length: 6 }, () => invoke("getHealth", {}, caller)));
    expect(answers.filter((a) => !a.ok)).toEqual([]);
  });
});

describe("a deleted account's ID token, still valid for up to an hour", () => {
  beforeAll(() => {
    useStandInsForDeployedCode(standIns.calcom, standIns.stripe);
  });

  it("is refused by the callables (before its input is read), while others are served", async () => {
    const gone = { uid: uniqueId("gone") };
    await eraseAccount(gone.uid, "self", testDependencies(standIns.calcom, { stripe: standIns.stripe }));
    expect(await invoke("cancelBooking", {}, gone)).toMatchObject({ ok: false, code: "permission-denied" });
    expect(await invoke("syncAvailability", {}, gone)).toMatchObject({ ok: false, code: "permission-denied" });
    expect(await invoke("cancelBooking", {}, { uid: uniqueId("here") })).toMatchObject({ ok: false, code: "invalid-argument" });
  });
});
