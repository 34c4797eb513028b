/**
 * Latency of each operation over HTTP through the Functions emulator, beside the far end's own
 * time for the same calls, and the far-end calls each operation makes (background work
 * included). Calls run one after another so a call's far-end requests are the ones that arrive
 * while it runs; each phase waits for the background work of the one before to finish, and the
 * background requests of its own kind (a confirm after a payment, a cancel and refund after a
 * cancellation) are not counted in a call's own far-end time.
 */
import type { User } from "../demo/demo-client.js";
import {
  CALCOM_WEBHOOK_SECRET,
  STRIPE_WEBHOOK_SECRET,
  bookingDoc,
  farEndCalls,
  isoDay,
  quiet,
  readyCoach,
  slotAt,
  timedCall,
  timedPost,
  users,
  waitFor,
  type Bench,
  type Coach,
} from "./harness.js";
import { summarize, type Summary } from "./stats.js";

export interface OperationFigures {
  operation: string;
  ours: Summary;
  farEnd: Summary;
  overhead: Summary;
  failures: number;
  /** Far-end calls per operation, background work included, and what the operation needs. */
  calls: { calcom: number; stripe: number };
  needs: { calcom: number; stripe: number; why: string };
  note?: string;
}

interface Sample {
  ours: number;
  farEnd: number;
  ok: boolean;
}

async function measure(b: Bench, background: readonly string[], run: () => Promise<{ ok: boolean; ms: number }>): Promise<Sample> {
  const from = Date.now();
  const out = await run();
  const to = Date.now();
  const farEnd = farEndCalls(b)
    .filter((c) => c.at >= from && c.at <= to && !background.includes(c.what))
    .reduce((sum, c) => sum + c.durationMs, 0);
  return { ours: out.ms, farEnd, ok: out.ok };
}

async function phase(
  b: Bench,
  operation: string,
  needs: OperationFigures["needs"],
  background: readonly string[],
  count: number,
  one: (i: number) => Promise<{ ok: boolean; ms: number }>,
  settle: () => Promise<void> = async () => {},
): Promise<OperationFigures> {
  await quiet(b);
  const before = { calcom: b.calcom.requests.length, stripe: b.stripe.requests.length };
  const samples: Sample[] = [];
  b.log(`  ${operation}: ${count} calls`);
  for (let i = 0; i < count; i++) samples.push(await measure(b, background, () => one(i)));
  await settle();
  await quiet(b);
  const made = { calcom: b.calcom.requests.length - before.calcom, stripe: b.stripe.requests.length - before.stripe };
  const ok = samples.filter((s) => s.ok);
  return {
    operation,
    ours: summarize(ok.map((s) => s.ours)),
    farEnd: summarize(ok.map((s) => s.farEnd)),
    overhead: summarize(ok.map((s) => s.ours - s.farEnd)),
    failures: samples.length - ok.length,
    calls: { calcom: made.calcom / count, stripe: made.stripe / count },
    needs,
  };
}

export async function latencySection(b: Bench, count: number): Promise<OperationFigures[]> {
  const coach: Coach = await readyCoach(b, "latency-coach@bench.coachify.test");
  const students: User[] = await users(b, "latency-student", count);
  const viewer = students[0] as User;
  const figures: OperationFigures[] = [];
  const fn = (name: string) => `${b.e.functions}/${name}`;

  // Warm each function's emulator worker first (a refused call does it): the first request of a
  // worker is a cold start, which the cold-start section measures on its own.
  for (const name of ["getHealth", "getAvailableSlots", "createBooking", "cancelBooking"])
    for (let i = 0; i < 2; i++) await timedCall(b, name, { warm: true }, viewer);
  for (const name of ["stripeWebhook", "calcomWebhook"]) for (let i = 0; i < 2; i++) await timedPost(fn(name), "{}", {});

  // The emulator's own floor: a callable that reads nothing and calls no far end.
  figures.push(
    await phase(b, "getHealth (the emulator's floor)", { calcom: 0, stripe: 0, why: "nothing: reports configuration" }, [], count, () =>
      timedCall(b, "getHealth", null, viewer),
    ),
  );

  // Live: a different day each call, so each is a cache miss that Cal.com answers.
  let liveAnswers = 0;
  figures.push(
    await phase(b, "getAvailableSlots (Cal.com answers)", { calcom: 1, stripe: 0, why: "one slots query" }, [], count, async (i) => {
      const out = await timedCall<{ source: string }>(
        b,
        "getAvailableSlots",
        { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, dateFrom: isoDay(200 + i), dateTo: isoDay(200 + i), timeZone: "UTC" },
        viewer,
      );
      if (out.ok && out.value.source === "calcom") liveAnswers++;
      return out;
    }),
  );
  (figures.at(-1) as OperationFigures).note = `${liveAnswers} of ${count} answered live by Cal.com`;

  // Cached: the same coach, event type, range and zone every call.
  const range = { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, dateFrom: isoDay(1), dateTo: isoDay(1), timeZone: "UTC" };
  await timedCall(b, "getAvailableSlots", range, viewer);
  let cachedAnswers = 0;
  figures.push(
    await phase(
      b,
      "getAvailableSlots (shared cache)",
      { calcom: 0, stripe: 0, why: "answered from the cache while fresh" },
      [],
      count,
      async () => {
        const out = await timedCall<{ source: string }>(b, "getAvailableSlots", range, viewer);
        if (out.ok && out.value.source === "cache") cachedAnswers++;
        return out;
      },
    ),
  );
  (figures.at(-1) as OperationFigures).note = `${cachedAnswers} of ${count} answered from the cache (30 s time to live)`;

  // createBooking: each student holds one distinct slot (hours 0-22 UTC, days 2 onwards).
  const bookingIds: string[] = [];
  const studentOf = new Map<string, User>();
  figures.push(
    await phase(
      b,
      "createBooking",
      { calcom: 1, stripe: 1, why: "the Cal.com booking (it rejects a taken slot itself), one Checkout Session" },
      [],
      count,
      async (i) => {
        const student = students[i] as User;
        const slot = slotAt(2 + Math.floor(i / 23), i % 23);
        const out = await timedCall<{ bookingId: string }>(
          b,
          "createBooking",
          { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, offeringId: coach.offeringId, userId: student.uid, ...slot },
          student,
        );
        if (out.ok) {
          bookingIds.push(out.value.bookingId);
          studentOf.set(out.value.bookingId, student);
        }
        return out;
      },
    ),
  );

  // The Stripe webhook: the stand-in takes the payment, the bench posts Stripe's signed event.
  const confirmed = async () => {
    await waitFor(
      "every paid booking to be confirmed",
      async () => {
        const docs = await Promise.all(bookingIds.map((id) => bookingDoc(b, id)));
        return docs.every((d) => d.status === "confirmed") ? true : undefined;
      },
      600_000,
      1_000,
    );
  };
  figures.push(
    await phase(
      b,
      "stripeWebhook (checkout.session.completed)",
      { calcom: 1, stripe: 0, why: "the confirm in Cal.com (queued); the event itself is trusted by its signature" },
      ["confirmBooking"],
      bookingIds.length,
      async (i) => {
        const doc = await bookingDoc(b, bookingIds[i] ?? "");
        const session = b.stripe.pay(String(doc.stripeCheckoutSessionId));
        const signed = b.stripe.signedEvent("checkout.session.completed", b.stripe.sessionOut(session), STRIPE_WEBHOOK_SECRET);
        const out = await timedPost(fn("stripeWebhook"), signed.rawBody, { "stripe-signature": signed.signature });
        return { ok: out.status === 200, ms: out.ms };
      },
      confirmed,
    ),
  );

  // The Cal.com webhook: BOOKING_CREATED (accepted), as Cal.com sends it after a confirm.
  const uids: string[] = [];
  for (const id of bookingIds) uids.push(String((await bookingDoc(b, id)).calcomBookingUid));
  figures.push(
    await phase(
      b,
      "calcomWebhook (BOOKING_CREATED)",
      { calcom: 1, stripe: 0, why: "at most one read of the booking (webhooks are not trusted for state)" },
      [],
      uids.length,
      async (i) => {
        const signed = b.calcom.signedWebhook("BOOKING_CREATED", uids[i] ?? "", CALCOM_WEBHOOK_SECRET);
        const out = await timedPost(fn("calcomWebhook"), signed.rawBody, { "x-cal-signature-256": signed.signature });
        return { ok: out.status === 200, ms: out.ms };
      },
    ),
  );

  // cancelBooking by the student, days ahead: a full refund; the cancel and refund run behind.
  const refunded = async () => {
    await waitFor(
      "every cancellation to be refunded and cancelled in Cal.com",
      async () => {
        const docs = await Promise.all(bookingIds.map((id) => bookingDoc(b, id)));
        return docs.every((d) => d.paymentStatus === "refunded" && d.calcomStatus === "cancelled") ? true : undefined;
      },
      600_000,
      1_000,
    );
  };
  figures.push(
    await phase(
      b,
      "cancelBooking",
      { calcom: 1, stripe: 1, why: "the cancel in Cal.com (queued), one refund" },
      ["cancelBooking", "POST /v1/refunds"],
      bookingIds.length,
      async (i) => {
        const bookingId = bookingIds[i] ?? "";
        return timedCall(b, "cancelBooking", { bookingId, reason: "Benchmark" }, studentOf.get(bookingId) as User);
      },
      refunded,
    ),
  );
  return figures;
}
