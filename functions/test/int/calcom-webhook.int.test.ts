import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { expectLedgersBalanced } from "../helpers/ledger.js";
import { testDependencies } from "../helpers/deps.js";
import { payAndConfirm, readyCoach } from "../helpers/in-process.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { listenOnLoopback, type LoopbackServer } from "../stand-ins/loopback-server.js";

// The Cal.com webhook in-process, fed by the Cal.com stand-in's own signed deliveries.

const SECRET = "calcom_int_secret";
let calcom: FakeCalcom;
let stripe: FakeStripe;
let receiver: LoopbackServer;
let receiverUrl: string;
/** The dependencies the webhook is handled with (a test's own clock), or fresh ones. */
let hookDeps: ReturnType<typeof testDependencies> | null = null;

beforeAll(async () => {
  initAdminFor("demo-coachify-int");
  calcom = await FakeCalcom.start();
  stripe = await FakeStripe.start();
  receiver = await listenOnLoopback(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const out = await handleCalcomWebhook(
      {
        method: req.method ?? "POST",
        rawBody: Buffer.concat(chunks),
        header: (name: string) => req.headers[name.toLowerCase()] as string | undefined,
      } as never,
      hookDeps ?? testDependencies(calcom, { stripe, calcomWebhookSecret: SECRET }),
    );
    res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.body));
  });
  receiverUrl = `http://127.0.0.1:${receiver.port}/calcom`;
});
afterAll(async () => {
  await calcom.stop();
  await stripe.stop();
  await receiver.close();
});
afterEach(async () => {
  await expectLedgersBalanced(stripe);
  expect(calcom.violations).toEqual([]);
  calcom.reset();
  stripe.reset();
  hookDeps = null;
});

async function confirmedBooking() {
  const deps = testDependencies(calcom, { stripe });
  const studentId = uniqueId("student");
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 8_000, currency: "usd" });
  const { bookingId } = await createBooking(
    {
      coachId,
      eventTypeId,
      offeringId: "sixty",
      userId: studentId,
      startTime: "2030-01-07T09:00:00.000Z",
      endTime: "2030-01-07T10:00:00.000Z",
    },
    { uid: studentId, isAdmin: false },
    deps,
  );
  await payAndConfirm(bookingId, stripe, deps);
  calcom.subscribe(receiverUrl, SECRET);
  const booking = (await bookingDoc(bookingId).get()).data();
  return {
    deps,
    bookingId,
    coachId,
    studentId,
    uid: booking?.calcomBookingUid ?? "",
    paymentIntentId: booking?.stripePaymentIntentId ?? "",
  };
}

const refundsOf = (pi: string) => [...stripe.refunds.values()].filter((r) => r.payment_intent === pi).map((r) => r.amount);

describe("calcomWebhook (in-process) with the stand-in's signed deliveries", () => {
  it("refunds the student in full when the coach cancels in Cal.com", async () => {
    const s = await confirmedBooking();
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: calcom.url }), calcom.orgAdminKey, s.uid, "Coach double-booked");
    await calcom.flushWebhooks();
    expect(calcom.webhookDeliveries.map((d) => [d.triggerEvent, d.status])).toEqual([["BOOKING_CANCELLED", 200]]);
    const cancelled = (await bookingDoc(s.bookingId).get()).data();
    expect(cancelled).toMatchObject({
      status: "cancelled",
      calcomStatus: "cancelled",
      cancellation: { by: "coach", reason: "Coach double-booked", refundCents: 8_000 },
    });
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOf(s.paymentIntentId)).toEqual([8_000]);
    // Cal.com already had it cancelled: no second cancel call.
    expect(calcom.callsTo("cancelBooking")).toHaveLength(1);
  });

  it("applies the same delivery once", async () => {
    const s = await confirmedBooking();
    calcom.duplicateNextWebhooks(1);
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: calcom.url }), calcom.orgAdminKey, s.uid, "Coach ill");
    await calcom.flushWebhooks();
    expect(calcom.webhookDeliveries).toHaveLength(2);
    const markers = await getDb().collection("webhookEvents").where("uid", "==", s.uid).get();
    expect(markers.size).toBe(1);
    await runBookingEffects(s.bookingId, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOf(s.paymentIntentId)).toEqual([8_000]);
  });

  it("changes nothing when Cal.com echoes our own cancellation", async () => {
    const s = await confirmedBooking();
    await cancelBooking({ bookingId: s.bookingId, reason: "Student cannot come" }, { uid: s.studentId, isAdmin: false }, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    await calcom.flushWebhooks();
    const markers = await getDb().collection("webhookEvents").where("uid", "==", s.uid).get();
    expect(markers.docs.map((d) => String(d.get("outcome")))).toEqual(["echo"]);
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOf(s.paymentIntentId)).toEqual([8_000]); // 2030 is more than 24 h away: 100 %, once
  });

  it("answers 401 and writes nothing for a bad or missing signature", async () => {
    const s = await confirmedBooking();
    const raw = JSON.stringify({
      triggerEvent: "BOOKING_CANCELLED",
      createdAt: new Date().toISOString(),
      payload: { uid: s.uid, status: "CANCELLED" },
    });
    for (const signature of [calcomSignature(raw, "wrong-secret"), "no-secret-provided", null]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (signature !== null) headers["x-cal-signature-256"] = signature;
      const res = await fetch(receiverUrl, { method: "POST", headers, body: raw });
      expect(res.status).toBe(401);
    }
    expect((await getDb().collection("webhookEvents").where("uid", "==", s.uid).get()).size).toBe(0);
    expect((await bookingDoc(s.bookingId).get()).data()?.status).toBe("confirmed");
  });

  it("follows a move made in Cal.com: new time and uid, the old uid kept, the pending new booking confirmed", async () => {
    const s = await confirmedBooking();
    // Moved in Cal.com by someone other than the coach: the new booking is left pending.
    await calcomApi.rescheduleBooking(new CalcomClient({ baseUrl: calcom.url }), calcom.orgAdminKey, s.uid, {
      start: "2030-01-07T11:00:00Z",
      reschedulingReason: "Moved in Cal.com",
    });
    await calcom.flushWebhooks();
    expect(calcom.webhookDeliveries.map((d) => [d.triggerEvent, d.status])).toEqual([["BOOKING_REQUESTED", 200]]);
    const moved = (await bookingDoc(s.bookingId).get()).data();
    expect(moved).toMatchObject({
      status: "confirmed",
      startTime: "2030-01-07T11:00:00.000Z",
      endTime: "2030-01-07T12:00:00.000Z",
      calcomStatus: "pending",
      previousCalcomBookingUids: [s.uid],
    });
    const newUid = moved?.calcomBookingUid ?? "";
    expect(newUid).not.toBe(s.uid);
    await runBookingEffects(s.bookingId, s.deps);
    expect(calcom.booking(newUid)).toMatchObject({ status: "accepted" });
    expect((await bookingDoc(s.bookingId).get()).data()).toMatchObject({ calcomStatus: "accepted" });
    const calendar = (await getDb().collection("coachCalendars").doc(s.coachId).get()).data() as { intervals: { start: string }[] };
    expect(calendar.intervals.map((i) => i.start)).toEqual(["2030-01-07T11:00:00.000Z"]);
    expect(stripe.refunds.size).toBe(0);
  });

  it("changes nothing when Cal.com echoes our own move", async () => {
    const s = await confirmedBooking();
    const { rescheduleBooking } = await import("../../src/features/reschedules/reschedules.service.js");
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: "2030-01-07T10:00:00.000Z",
        newEndTime: "2030-01-07T11:00:00.000Z",
        refundDifference: true,
        reason: "",
      },
      { uid: s.studentId, isAdmin: false },
      s.deps,
    );
    const after = (await bookingDoc(s.bookingId).get()).data();
    await calcom.flushWebhooks();
    expect(calcom.webhookDeliveries.map((d) => [d.triggerEvent, d.status])).toEqual([["BOOKING_RESCHEDULED", 200]]);
    const markers = await getDb()
      .collection("webhookEvents")
      .where("uid", "==", after?.calcomBookingUid ?? "")
      .get();
    expect(markers.docs.map((d) => d.data().outcome as string)).toEqual(["echo"]);
    expect((await bookingDoc(s.bookingId).get()).data()).toEqual({ ...after, updatedAt: after?.updatedAt });
  });

  describe("regression #16.12: a move made in Cal.com is judged by our rules, on Cal.com's record", () => {
    /** A confirmed booking at 09:00 whose webhook is handled two hours before the start. */
    async function twoHoursBefore() {
      const s = await confirmedBooking();
      const clock = { now: new Date("2030-01-07T07:00:00.000Z") };
      hookDeps = testDependencies(calcom, { stripe, calcomWebhookSecret: SECRET, now: () => clock.now });
      return s;
    }

    it("regression #16.12: the coach's move keeps the rules: followed, nothing escalated", async () => {
      const s = await twoHoursBefore();
      await calcomApi.rescheduleBooking(new CalcomClient({ baseUrl: calcom.url }), calcom.orgAdminKey, s.uid, {
        start: "2030-01-07T11:00:00Z",
        rescheduledBy: `${s.coachId}@example.com`,
        reschedulingReason: "Coach moved it",
      });
      await calcom.flushWebhooks();
      const moved = (await bookingDoc(s.bookingId).get()).data();
      expect(moved).toMatchObject({
        status: "confirmed",
        startTime: "2030-01-07T11:00:00.000Z",
        endTime: "2030-01-07T12:00:00.000Z",
        calcomStatus: "accepted",
        escalations: [],
      });
      expect((await getDb().collection("adminAlerts").where("bookingId", "==", s.bookingId).get()).size).toBe(0);
    });

    it("regression #16.12: the student's move inside the policy window breaks them: followed, escalated to an admin", async () => {
      const s = await twoHoursBefore();
      // The attendee moves it in Cal.com two hours before the start (the policy allows a free move only 24 h ahead).
      await calcomApi.rescheduleBooking(new CalcomClient({ baseUrl: calcom.url }), null, s.uid, {
        start: "2030-01-07T11:00:00Z",
        reschedulingReason: "Student moved it",
      });
      await calcom.flushWebhooks();
      const moved = (await bookingDoc(s.bookingId).get()).data();
      expect(moved).toMatchObject({ status: "confirmed", startTime: "2030-01-07T11:00:00.000Z", previousCalcomBookingUids: [s.uid] });
      expect(moved?.escalations.map((e) => [e.kind, e.rules])).toEqual([["calcom-move", ["student-window"]]]);
      const audit = await getDb()
        .collection("bookings")
        .doc(s.bookingId)
        .collection("events")
        .where("type", "==", "calcom-move-escalated")
        .get();
      expect(audit.size).toBe(1);
      const alerts = await getDb().collection("adminAlerts").where("bookingId", "==", s.bookingId).get();
      expect(alerts.docs.map((d) => d.get("kind") as string)).toEqual(["calcom-move"]);
      expect(stripe.refunds.size).toBe(0);
    });
  });
});
