import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { coachDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { errorOf } from "../helpers/errors.js";
import { clearDatabase } from "../helpers/fingerprint.js";
import { payAndConfirm, storedBooking, useStandIns } from "../helpers/in-process.js";
import { listenOnLoopback, type LoopbackServer } from "../stand-ins/loopback-server.js";

// A coach's Cal.com account: recorded on each booking, watched in connected mode (our webhook
// in their account, reconciliation's poll of their key), and switched only when nothing is live.

const SECRET = "calcom_accounts_secret";
const standIns = useStandIns();
let receiver: LoopbackServer;
let receiverUrl: string;
let hookDeps: Dependencies | null = null;

beforeAll(async () => {
  receiver = await listenOnLoopback(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const out = await handleCalcomWebhook(
      {
        method: req.method ?? "POST",
        rawBody: Buffer.concat(chunks),
        header: (name: string) => req.headers[name.toLowerCase()] as string | undefined,
        query: Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams),
      } as never,
      hookDeps as Dependencies,
    );
    res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.body));
  });
  receiverUrl = `http://127.0.0.1:${receiver.port}/calcomWebhook`;
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(async () => {
  // Reconciliation polls every connected key stored: each test starts with only its own.
  await clearDatabase();
});

type Mode = "organization" | "connected";

/** A coach synced in `mode` with one 60-minute offering (100.00 EUR), and the dependencies of a clock the test moves. */
async function coachIn(mode: Mode) {
  const { calcom, stripe } = standIns;
  const clock = { now: new Date() };
  const deps = testDependencies(calcom, { stripe, now: () => clock.now, calcomWebhookUrl: receiverUrl, calcomWebhookSecret: SECRET });
  hookDeps = deps;
  const coachId = uniqueId("coach");
  const coach = { uid: coachId, isAdmin: false };
  const own = mode === "connected" ? calcom.addUser({ email: `${coachId}@example.com` }) : null;
  if (own) await connectCalcomAccount({ apiKey: own.apiKey }, coach, deps);
  await syncAvailability(
    { coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } },
    coach,
    deps,
  );
  await saveOffering({ offering: { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 10_000, currency: "eur" } }, coach);
  await syncOfferingEventTypes(coachId, deps);
  const stored = (await coachDoc(coachId).get()).data();
  const eventTypeId = stored?.customOfferings[0]?.calcomEventTypeId ?? 0;
  return { deps, clock, coachId, coach, own, eventTypeId, calcomUserId: stored?.calcomUserId ?? 0 };
}

/** The coach's booking of Monday 2030-01-07 09:00, paid and confirmed. */
async function bookedCoach(mode: Mode) {
  const c = await coachIn(mode);
  const studentId = uniqueId("student");
  const student = { uid: studentId, isAdmin: false };
  const { bookingId } = await createBooking(
    {
      coachId: c.coachId,
      eventTypeId: c.eventTypeId,
      offeringId: "sixty",
      userId: studentId,
      startTime: "2030-01-07T09:00:00.000Z",
      endTime: "2030-01-07T10:00:00.000Z",
    },
    student,
    c.deps,
  );
  await payAndConfirm(bookingId, standIns.stripe, c.deps);
  const b = await storedBooking(bookingId);
  expect(b).toMatchObject({ status: "confirmed", calcomStatus: "accepted" });
  return { ...c, student, bookingId, paymentIntentId: b.stripePaymentIntentId ?? "", uid: b.calcomBookingUid ?? "" };
}

const refundsOf = (pi: string) => [...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === pi).map((r) => r.amount);
const keyOf = (request: { headers: Record<string, string> }) => request.headers.authorization?.replace(/^Bearer /, "");

describe.each(["organization", "connected"] as const)("the Cal.com account of a booking (%s mode)", (mode) => {
  it("is recorded on the booking with its Cal.com booking", async () => {
    const s = await bookedCoach(mode);
    expect((await storedBooking(s.bookingId)).calcomAccount).toEqual({ mode, calcomUserId: s.calcomUserId });
  });

  it("refuses a switch to another Cal.com account while a booking is live, and the booking keeps working", async () => {
    const s = await bookedCoach(mode);
    const other = standIns.calcom.addUser({ email: `${uniqueId("other")}@example.com` });
    expect(await errorOf(connectCalcomAccount({ apiKey: other.apiKey }, s.coach, s.deps))).toEqual({
      code: "failed-precondition",
      message: expect.stringContaining("sessions booked") as string,
    });
    expect((await coachDoc(s.coachId).get()).data()).toMatchObject({
      calcomUserId: s.calcomUserId,
      customOfferings: [{ calcomEventTypeId: s.eventTypeId }],
    });
    expect(standIns.calcom.webhooksOf(other.userId)).toEqual([]);
    // Moved and cancelled in the account it was made in.
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: "2030-01-07T10:00:00.000Z",
        newEndTime: "2030-01-07T11:00:00.000Z",
        refundDifference: true,
        reason: "Later",
      },
      s.student,
      s.deps,
    );
    const moved = await storedBooking(s.bookingId);
    expect(moved).toMatchObject({ startTime: "2030-01-07T10:00:00.000Z", reschedule: null });
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(standIns.calcom.booking(moved.calcomBookingUid ?? "")?.status).toBe("cancelled");
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });

  it("allows a switch once nothing is live: the old event types are removed and the next sync makes them in the new account", async () => {
    const s = await bookedCoach(mode);
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    const other = standIns.calcom.addUser({ email: `${uniqueId("other")}@example.com` });
    await expect(connectCalcomAccount({ apiKey: other.apiKey }, s.coach, s.deps)).resolves.toEqual({
      calcomUserId: other.userId,
      mode: "connected",
    });
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeUndefined();
    expect((await coachDoc(s.coachId).get()).data()).toMatchObject({
      calcomUserId: other.userId,
      calcomScheduleId: null,
      calcomMode: "connected",
      customOfferings: [{ calcomEventTypeId: null }],
    });
    await syncAvailability(
      { coachId: s.coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } },
      s.coach,
      s.deps,
    );
    await syncOfferingEventTypes(s.coachId, s.deps);
    const linked = (await coachDoc(s.coachId).get()).data()?.customOfferings[0]?.calcomEventTypeId ?? 0;
    expect(linked).not.toBe(s.eventTypeId);
    expect(standIns.calcom.eventType(linked)?.ownerId).toBe(other.userId);
    expect(standIns.calcom.webhooksOf(other.userId)).toHaveLength(1);
  });

  it("keeps an old event type whose removal failed for reconciliation, which removes it", async () => {
    const s = await coachIn(mode);
    const other = standIns.calcom.addUser({ email: `${uniqueId("other")}@example.com` });
    standIns.calcom.failNext(20, 503, mode === "connected" ? "deleteEventType" : "deleteTeamEventType");
    await connectCalcomAccount({ apiKey: other.apiKey }, s.coach, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeDefined();
    standIns.calcom.clearFaults();
    await reconcileRecent({ dryRun: false }, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeUndefined();
    const retired = await getDb().collection("calcomRetiredAccounts").where("coachId", "==", s.coachId).get();
    expect(retired.docs.map((d) => d.get("eventTypeIdsToRemove") as unknown)).toEqual([[]]);
  });

  it("keeps an old event type a booking the switch did not see still holds (made while the coach was switching)", async () => {
    const s = await bookedCoach(mode);
    // The switch's check ran before the booking existed: hidden from it here, shown again after.
    await getDb().collection("bookings").doc(s.bookingId).update({ status: "cancelled" });
    standIns.calcom.failNext(20, 503, mode === "connected" ? "deleteEventType" : "deleteTeamEventType");
    await connectCalcomAccount({ apiKey: standIns.calcom.addUser({ email: `${uniqueId("other")}@example.com` }).apiKey }, s.coach, s.deps);
    await getDb().collection("bookings").doc(s.bookingId).update({ status: "confirmed" });
    standIns.calcom.clearFaults();
    await reconcileRecent({ dryRun: false }, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeDefined();
    const retired = await getDb().collection("calcomRetiredAccounts").where("coachId", "==", s.coachId).get();
    expect(retired.docs.map((d) => d.get("eventTypeIdsToRemove") as unknown)).toEqual([[s.eventTypeId]]);
    // Once it has ended, the next pass removes it.
    s.clock.now = new Date("2030-01-07T10:00:01.000Z");
    await reconcileRecent({ dryRun: false }, s.deps);
    expect(standIns.calcom.eventType(s.eventTypeId)).toBeUndefined();
  });

  it("a booking released after its coach switched accounts is cancelled in the account it was made in", async () => {
    const s = await bookedCoach(mode);
    standIns.calcom.failNext(20, 503, "cancelBooking");
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(standIns.calcom.booking(s.uid)?.status).toBe("accepted");
    standIns.calcom.clearFaults();
    const other = standIns.calcom.addUser({ email: `${uniqueId("other")}@example.com` });
    await connectCalcomAccount({ apiKey: other.apiKey }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(standIns.calcom.booking(s.uid)?.status).toBe("cancelled");
    const oldKey = mode === "connected" ? s.own?.apiKey : standIns.calcom.orgAdminKey;
    expect(
      standIns.calcom
        .callsTo("cancelBooking")
        .filter((r) => r.status === 200)
        .map(keyOf),
    ).toEqual([oldKey]);
  });
});

describe("a connected coach's Cal.com account", () => {
  it("gets one webhook of ours at connect, adopted by a repeated connect", async () => {
    const s = await coachIn("connected");
    const own = s.own ?? { userId: 0, apiKey: "" };
    const firstSecret = standIns.calcom.webhooksOf(own.userId)[0]?.secret;
    expect(standIns.calcom.webhooksOf(own.userId)).toMatchObject([
      {
        // The coach in our URL names whose secret verifies the delivery; the secret is theirs alone.
        subscriberUrl: `${receiverUrl}?coach=${s.coachId}`,
        active: true,
        secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
        triggers: [
          "BOOKING_REQUESTED",
          "BOOKING_CREATED",
          "BOOKING_CANCELLED",
          "BOOKING_RESCHEDULED",
          "BOOKING_REJECTED",
          "BOOKING_NO_SHOW_UPDATED",
          "MEETING_ENDED",
        ],
      },
    ]);
    expect(firstSecret).not.toBe(SECRET);
    await connectCalcomAccount({ apiKey: own.apiKey }, s.coach, s.deps);
    expect(standIns.calcom.webhooksOf(own.userId)).toHaveLength(1);
    // A repeated connect (a new key for the same account) keeps the coach's secret, so one that
    // failed after Cal.com took the webhook never leaves Cal.com signing with a secret not stored.
    expect(standIns.calcom.webhooksOf(own.userId)[0]?.secret).toBe(firstSecret);
    expect(standIns.calcom.callsTo("createWebhook")).toHaveLength(1);
    expect(standIns.calcom.callsTo("updateWebhook")).toHaveLength(1);
  });

  it("verifies a delivery with its coach's own secret only, and lets a coach report on their own bookings only", async () => {
    const a = await bookedCoach("connected");
    const b = await coachIn("connected");
    const secretOf = (userId: number | undefined) => standIns.calcom.webhooksOf(userId ?? 0)[0]?.secret ?? "";
    const post = async (query: string, secret: string) => {
      const { rawBody, signature } = standIns.calcom.signedWebhook("BOOKING_CANCELLED", a.uid, secret);
      const res = await fetch(`${receiverUrl}${query}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-cal-signature-256": signature },
        body: rawBody,
      });
      return res.status;
    };
    // Coach B's secret, claiming to be A's webhook: the signature does not verify.
    expect(await post(`?coach=${a.coachId}`, secretOf(b.own?.userId))).toBe(401);
    // B's own webhook, about A's booking: verified, but not B's to report on.
    expect(await post(`?coach=${b.coachId}`, secretOf(b.own?.userId))).toBe(403);
    // The organization's shared secret speaks for no connected coach's booking.
    expect(await post("", SECRET)).toBe(403);
    expect(await post(`?coach=${a.coachId}`, SECRET)).toBe(401);
    // A's own: accepted (Cal.com still has it accepted, so nothing changes).
    expect(await post(`?coach=${a.coachId}`, secretOf(a.own?.userId))).toBe(200);
    expect(await storedBooking(a.bookingId)).toMatchObject({ status: "confirmed" });
  });

  it("takes over the webhook registered before each coach had a secret of their own", async () => {
    const own = standIns.calcom.addUser({ email: `${uniqueId("legacy")}@example.com` });
    await calcomApi.createWebhook(new CalcomClient({ baseUrl: standIns.calcom.url }), own.apiKey, {
      active: true,
      subscriberUrl: receiverUrl,
      triggers: ["BOOKING_CANCELLED"],
      secret: SECRET,
      version: "2021-10-20",
    });
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, calcomWebhookUrl: receiverUrl, calcomWebhookSecret: SECRET });
    const coachId = uniqueId("coach");
    await connectCalcomAccount({ apiKey: own.apiKey }, { uid: coachId, isAdmin: false }, deps);
    expect(standIns.calcom.webhooksOf(own.userId)).toMatchObject([{ subscriberUrl: `${receiverUrl}?coach=${coachId}` }]);
    expect(standIns.calcom.webhooksOf(own.userId)[0]?.secret).not.toBe(SECRET);
  });

  it("accepts a new key for the same Cal.com user while a booking is live (rotation), and uses it", async () => {
    const s = await bookedCoach("connected");
    const rotated = standIns.calcom.addKey(s.calcomUserId);
    await connectCalcomAccount({ apiKey: rotated }, s.coach, s.deps);
    expect(standIns.calcom.webhooksOf(s.calcomUserId)).toHaveLength(1);
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(standIns.calcom.callsTo("cancelBooking").map(keyOf)).toEqual([rotated]);
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });

  it("refunds the student in full when the coach cancels in their own Cal.com (webhook delivered)", async () => {
    const s = await bookedCoach("connected");
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), s.own?.apiKey ?? "", s.uid, "Coach double-booked");
    await standIns.calcom.flushWebhooks();
    expect(standIns.calcom.webhookDeliveries.filter((d) => d.triggerEvent === "BOOKING_CANCELLED").map((d) => [d.url, d.status])).toEqual([
      [`${receiverUrl}?coach=${s.coachId}`, 200],
    ]);
    expect(await storedBooking(s.bookingId)).toMatchObject({ status: "cancelled", cancellation: { by: "coach", refundCents: 10_000 } });
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });

  it("refunds the student in full when the coach cancels in their own Cal.com and the webhook is lost (reconcileRecent)", async () => {
    const s = await bookedCoach("connected");
    standIns.calcom.dropNextWebhooks(1);
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), s.own?.apiKey ?? "", s.uid, "Coach double-booked");
    await standIns.calcom.flushWebhooks();
    expect(await storedBooking(s.bookingId)).toMatchObject({ status: "confirmed" });
    s.clock.now = new Date(Date.now() + 5 * 60_000);
    const run = await reconcileRecent({ dryRun: false }, s.deps);
    expect(run.errors).toEqual([]);
    expect(run.bookings.map((b) => [b.bookingId, b.drifts.map((d) => d.kind)])).toEqual([[s.bookingId, ["cancelled-in-calcom"]]]);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await storedBooking(s.bookingId)).toMatchObject({ status: "cancelled", cancellation: { by: "coach", refundCents: 10_000 } });
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });

  it("is polled by reconciliation in a deployment with no organization", async () => {
    const s = await bookedCoach("connected");
    const noOrg = testDependencies(standIns.calcom, {
      stripe: standIns.stripe,
      now: () => new Date(Date.now() + 5 * 60_000),
      calcomOrganizationId: null,
      calcomTeamId: null,
      calcomApiKey: null,
    });
    standIns.calcom.dropNextWebhooks(1);
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), s.own?.apiKey ?? "", s.uid, "Coach away");
    const run = await reconcileRecent({ dryRun: false }, noOrg);
    expect(run.errors).toEqual([]);
    expect(standIns.calcom.callsTo("listBookings").map(keyOf)).toEqual([s.own?.apiKey]);
    expect(await storedBooking(s.bookingId)).toMatchObject({ status: "cancelled", cancellation: { by: "coach" } });
  });
});
