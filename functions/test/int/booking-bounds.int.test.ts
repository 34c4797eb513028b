import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { bookingDoc } from "../../src/shared/firestore.js";
import type { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, moveAndPay, useStandIns, storedBooking as booking } from "../helpers/in-process.js";

const standIns = useStandIns();
const STRIPE_SECRET = "whsec_booking_bounds_test";
const CALCOM_SECRET = "calcom_booking_bounds_secret";
const START = "2030-01-07T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (hoursBeforeStart: number) => new Date(Date.parse(START) - hoursBeforeStart * HOUR);
const iso = (h: number, m = 0) => `2030-01-07T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00.000Z`;

type Deps = ReturnType<typeof testDependencies>;

/** A confirmed booking of `sixty` (60 min) at 09:00, with `deep` (60 min) and `thirty` (30 min) offerings beside it. */
const paidBooking = (
  prices: { sixty: number; deep: number; thirty: number; currency: string } = {
    sixty: 10_000,
    deep: 15_000,
    thirty: 5_000,
    currency: "eur",
  },
) =>
  confirmedBooking(standIns, {
    price: { priceCents: prices.sixty, currency: prices.currency },
    beside: { deep: prices.deep, thirty: prices.thirty },
    config: { stripeWebhookSecret: STRIPE_SECRET, calcomWebhookSecret: CALCOM_SECRET },
  });

async function postCalcom(triggerEvent: string, payload: Record<string, unknown>, deps: Deps) {
  const rawBody = JSON.stringify({ triggerEvent, createdAt: new Date().toISOString(), payload });
  const signature = calcomSignature(rawBody, CALCOM_SECRET);
  return handleCalcomWebhook(
    {
      method: "POST",
      rawBody: Buffer.from(rawBody),
      header: (n: string) => (n.toLowerCase() === "x-cal-signature-256" ? signature : undefined),
    } as never,
    deps,
  );
}

/** The booking's amountCents as read through its schema, or the error reading it. */
async function readable(id: string): Promise<{ amountCents: number | null; error: string | null }> {
  const snap = await bookingDoc(id).get();
  try {
    return { amountCents: snap.data()?.amountCents ?? null, error: null };
  } catch (err) {
    return {
      amountCents: Number(snap.get("amountCents")),
      error: err instanceof Error ? err.message.replace(/\s+/g, " ").slice(0, 160) : String(err),
    };
  }
}

describe("a booking stays readable", () => {
  it("regression #16.21: moving down and back up between two large prices keeps the booking readable (totals have their own, larger bound)", async () => {
    // 60,000,000 VND (about 2,200 EUR; VND has no minor unit) and a 10,000,000 VND check-in.
    const s = await paidBooking({ sixty: 60_000_000, deep: 60_000_000, thirty: 10_000_000, currency: "vnd" });
    await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: iso(11),
        newEndTime: iso(11, 30),
        newOfferingId: "thirty",
        refundDifference: true,
        reason: "",
      },
      s.student,
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ offeringId: "thirty", refundedCents: 50_000_000 });
    // And back to the 60,000,000 offering: 50,000,000 to pay again, recorded as amountCents 110,000,000.
    await moveAndPay(standIns.stripe, STRIPE_SECRET, s, { offeringId: "deep", start: iso(10), end: iso(11) }).catch(() => undefined);
    const read = await readable(s.bookingId);
    // An unreadable booking would also break the shared after-each ledger check of the next tests.
    standIns.stripe.reset();
    expect(read).toEqual({ amountCents: 110_000_000, error: null });
  });

  it("regression #16.22: the 51st rule-breaking move made in Cal.com keeps the booking readable (the most recent 50 escalations are kept)", async () => {
    const s = await paidBooking();
    // Two hours before the start: every move the attendee makes in Cal.com breaks the 24 h rule.
    s.clock.now = at(2);
    const client = new CalcomClient({ baseUrl: standIns.calcom.url });
    let uid = s.calcomUid;
    let error: string | null = null;
    for (let i = 0; i < 51 && error === null; i++) {
      const start = i % 2 === 0 ? "2030-01-07T11:00:00Z" : "2030-01-07T09:00:00Z";
      const moved = (await calcomApi.rescheduleBooking(client, null, uid, { start, reschedulingReason: "Student moved it" })) as {
        uid: string;
      };
      const out = await postCalcom(
        "BOOKING_RESCHEDULED",
        {
          uid: moved.uid,
          rescheduleUid: uid,
          status: "ACCEPTED",
          organizer: { email: `${s.coachId}@example.com` },
          attendees: [{ email: `${s.studentId}@example.com` }],
        },
        s.deps,
      );
      if (out.status !== 200) error = `move ${i + 1}: webhook answered ${out.status}`;
      uid = moved.uid;
      const read = await readable(s.bookingId);
      if (read.error !== null) error = `move ${i + 1}: ${read.error}`;
    }
    const escalations = (await booking(s.bookingId)).escalations;
    standIns.stripe.reset();
    // The most recent 50 are kept: the first move's escalation is dropped, the last one's is there.
    expect({ error, escalations: escalations.length, last: escalations.at(-1)?.id }).toEqual({
      error: null,
      escalations: 50,
      last: `calcom-move-${uid}`,
    });
  });
});
