import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Booking } from "../../src/domain/booking.js";
import { CloudTasksQueue } from "../../src/integrations/tasks/cloud-tasks.queue.js";
import { bookingDoc } from "../../src/shared/firestore.js";
import { initAdminFor } from "../helpers/admin.js";
import { functionsBaseUrl } from "../helpers/call-callable.js";
import { expectLedgersBalanced } from "../helpers/ledger.js";
import { coachWithOfferings, newUser, ok } from "../helpers/scenario.js";
import { waitFor } from "../helpers/wait-for.js";
import { startLocalStandIns, type LocalStandIns } from "../helpers/e2e-stand-ins.js";
import type { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import type { FakeStripe } from "../stand-ins/fake-stripe.server.js";

// The calcomWrites task queue on the Cloud Tasks emulator, at the rate of functions/.env.local
// (CALCOM_QUEUE_DISPATCHES_PER_SECOND=2).
const RATE = 2;
let calcom: FakeCalcom;
let stripe: FakeStripe;
let standIns: LocalStandIns;

beforeAll(async () => {
  initAdminFor(process.env.GCLOUD_PROJECT ?? "demo-coachify");
  ({ calcom, stripe } = standIns = await startLocalStandIns());
});
afterAll(async () => {
  await standIns.stop();
});
afterEach(async () => {
  expect(calcom.violations).toEqual([]);
  await expectLedgersBalanced(stripe);
  calcom.clearFaults();
});

async function booking(id: string): Promise<Booking> {
  const b = (await bookingDoc(id).get()).data();
  if (!b) throw new Error(`booking ${id} missing`);
  return b;
}

/** The 30-minute slots of PARIS_WEEK (Monday 09:00-12:00 and Wednesday 14:00-16:00 Paris) over three weeks. */
function thirtySlots(): { startTime: string; endTime: string }[] {
  const slots: { startTime: string; endTime: string }[] = [];
  for (const week of [0, 7, 14]) {
    for (const [day, fromUtcHour, count] of [
      [7, 8, 6],
      [9, 13, 4],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const start = Date.UTC(2030, 0, day + week, fromUtcHour, i * 30);
        slots.push({ startTime: new Date(start).toISOString(), endTime: new Date(start + 30 * 60_000).toISOString() });
      }
    }
  }
  return slots;
}

describe("background Cal.com writes through the calcomWrites queue", () => {
  it("confirms 30 bookings paid at once, each once, never faster than the queue's rate after its first burst", async () => {
    const { coach, thirty } = await coachWithOfferings();
    const slots = thirtySlots();
    expect(slots).toHaveLength(30);
    const ids: string[] = [];
    for (const slot of slots) {
      const student = await newUser("student");
      ids.push(
        (
          await ok<{ bookingId: string }>(
            "createBooking",
            { coachId: coach.uid, eventTypeId: thirty, offeringId: "thirty", userId: student.uid, ...slot },
            student.idToken,
          )
        ).bookingId,
      );
    }
    const sessions = await Promise.all(ids.map(async (id) => (await booking(id)).stripeCheckoutSessionId ?? ""));
    const confirmsBefore = calcom.callsTo("confirmBooking").length;
    // Paid within a few seconds. Stripe's own deliveries are dropped and each payment's signed
    // event is posted in turn, awaited: the Functions emulator starts a worker per concurrent
    // request, and 60 at once on two cores would measure its start-up, not our queue. The 30
    // confirmations still reach the queue far faster than it lets them out.
    stripe.dropNextWebhooks(2 * sessions.length);
    for (const session of sessions) {
      const paid = stripe.pay(session);
      const event = stripe.signedEvent("checkout.session.completed", stripe.sessionOut(paid), "whsec_standin_webhook_secret");
      const res = await fetch(`${functionsBaseUrl()}/stripeWebhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": event.signature },
        body: event.rawBody,
      });
      expect(res.status).toBe(200);
    }
    await waitFor(
      async () => {
        const all = await Promise.all(ids.map(booking));
        return all.every((b) => b.status === "confirmed") ? all : undefined;
      },
      "all 30 bookings to be confirmed",
      120_000,
    );

    const confirms = calcom.callsTo("confirmBooking").slice(confirmsBefore);
    const uids = await Promise.all(ids.map(async (id) => (await booking(id)).calcomBookingUid ?? ""));
    expect(
      confirms
        .filter((c) => c.status === 200)
        .map((c) => c.path.split("/")[3])
        .sort(),
    ).toEqual([...uids].sort());
    // After the first burst (the tasks that queued up while the worker started; Cloud Tasks' token
    // bucket lets a burst through), no five-second window holds more than the rate allows, plus a
    // pair (the emulator dispatches in pairs) at its edges; and the 30 take as long as the rate says.
    const times = confirms.map((c) => c.at).sort((a, b) => a - b);
    const first = times[0] ?? 0;
    const steady = times.filter((t) => t >= first + 2_000);
    const relative = times.map((t) => t - first);
    for (const t of steady) {
      expect(steady.filter((u) => u >= t && u < t + 5_000).length, `confirm times (ms): ${relative.join(", ")}`).toBeLessThanOrEqual(
        5 * RATE + 2,
      );
    }
    const last = times.at(-1) ?? first;
    expect(last - (steady[0] ?? last), `confirm times (ms): ${relative.join(", ")}`).toBeGreaterThanOrEqual(
      ((steady.length - 1) / RATE - 1) * 1_000,
    );
  }, 180_000);

  it("retries a 429 after the reset Cal.com gives, and ends confirmed", async () => {
    const { coach, sixty } = await coachWithOfferings();
    const student = await newUser("student");
    const { bookingId } = await ok<{ bookingId: string }>(
      "createBooking",
      {
        coachId: coach.uid,
        eventTypeId: sixty,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-02-04T08:00:00.000Z",
        endTime: "2030-02-04T09:00:00.000Z",
      },
      student.idToken,
    );
    const uid = (await booking(bookingId)).calcomBookingUid ?? "";
    calcom.rateLimitNext(1, 1, "confirmBooking");
    stripe.pay((await booking(bookingId)).stripeCheckoutSessionId ?? "");
    await waitFor(
      async () => ((await booking(bookingId)).status === "confirmed" ? true : undefined),
      "the booking to be confirmed",
      60_000,
    );
    const statuses = calcom
      .callsTo("confirmBooking")
      .filter((c) => c.path.includes(uid))
      .map((c) => c.status);
    expect(statuses).toEqual([429, 200]);
  }, 90_000);

  it("refuses a second task for the same booking and action: one Cal.com call", async () => {
    const { coach, sixty } = await coachWithOfferings();
    const student = await newUser("student");
    const { bookingId } = await ok<{ bookingId: string }>(
      "createBooking",
      {
        coachId: coach.uid,
        eventTypeId: sixty,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-02-04T09:00:00.000Z",
        endTime: "2030-02-04T10:00:00.000Z",
      },
      student.idToken,
    );
    const uid = (await booking(bookingId)).calcomBookingUid ?? "";
    stripe.pay((await booking(bookingId)).stripeCheckoutSessionId ?? "");
    await waitFor(
      async () => ((await booking(bookingId)).status === "confirmed" ? true : undefined),
      "the booking to be confirmed",
      60_000,
    );
    const queue = new CloudTasksQueue();
    expect(await queue.enqueue({ action: "booking", bookingId, key: `booking-${bookingId}-confirm` })).toBe("duplicate");
    expect(await queue.enqueue({ action: "booking", bookingId, key: `booking-${bookingId}-confirm` })).toBe("duplicate");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(calcom.callsTo("confirmBooking").filter((c) => c.path.includes(uid))).toHaveLength(1);
  }, 90_000);
});
