/**
 * Many students browsing and booking across many coaches against the Cal.com stand-in enforcing
 * Cal.com's limit (120 calls a window per credential, then blocked for a window). Time is scaled:
 * one simulated minute is one stand-in window, and the window is as long as the calcomWrites
 * queue's configured rate makes it (production: 1 dispatch a second, half of 120 a minute; the
 * local run's 2 a second makes a simulated minute 30 s). Every booking is paid at once through
 * the Stripe stand-in, whose signed event reaches the emulated stripeWebhook, as Cal.com's
 * webhooks reach calcomWebhook.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { User } from "../demo/demo-client.js";
import {
  CALCOM_WEBHOOK_SECRET,
  STRIPE_WEBHOOK_SECRET,
  bookingDoc,
  isoDay,
  readyCoach,
  users,
  waitFor,
  type Bench,
  type Coach,
} from "./harness.js";
import { runCallable, useStandInsInProcess } from "./in-process.js";
import { peakInWindow, summarize, type Summary } from "./stats.js";

export interface SimulationPlan {
  coaches: number;
  students: number;
  simulatedMinutes: number;
  viewsPerMinute: number;
  bookingsPerMinute: number;
}

export interface SimulationFigures {
  plan: SimulationPlan;
  queueDispatchesPerSecond: number;
  simulatedMinuteMs: number;
  limitPerWindow: number;
  /** Cal.com calls per simulated minute, per credential (the API key; unauthenticated slot reads). */
  calcomPerMinute: {
    key: { peak: number; slidingPeak: number; mean: number };
    anonymous: { peak: number; slidingPeak: number; mean: number };
  };
  tooManyRequests: number;
  rateLimitFailures: number;
  otherFailures: Record<string, number>;
  views: { total: number; live: number; cached: number; local: number; cachedAgeP95Seconds: number };
  bookings: { attempted: number; created: number; slotTaken: number; paid: number; confirmed: number };
  /** Payment recorded → Cal.com confirm answered, in real milliseconds. */
  paymentToConfirmation: Summary;
  /** How long the planned load took to deliver, in simulated minutes (more than planned when the machine could not keep up). */
  achievedMinutes: number;
}

function queueRate(): number {
  const path = fileURLToPath(new URL("../.env.local", import.meta.url));
  const line = readFileSync(path, "utf8")
    .split("\n")
    .find((l) => l.startsWith("CALCOM_QUEUE_DISPATCHES_PER_SECOND="));
  const value = Number(line?.split("=")[1] ?? "1");
  return Number.isFinite(value) && value > 0 ? value : 1;
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isRateLimit = (code: string, message: string) => code === "resource-exhausted" && /Cal\.com is busy/.test(message);

export async function loadSimulation(b: Bench, plan: SimulationPlan): Promise<SimulationFigures> {
  const rate = queueRate();
  const minuteMs = Math.round(60_000 / rate);
  b.log(`  seeding ${plan.coaches} coaches and ${plan.students} students`);
  const coaches: Coach[] = [];
  for (let i = 0; i < plan.coaches; i++) coaches.push(await readyCoach(b, `sim-coach-${i}@bench.coachify.test`, 4_000 + 500 * (i % 5)));
  const students: User[] = await users(b, "sim-student", plan.students);

  useStandInsInProcess(b);
  // From here on Cal.com counts as Cal.com does; both far ends deliver their webhooks.
  b.calcom.setRateLimit({ limit: 120, windowMs: minuteMs, blockMs: minuteMs });
  b.calcom.subscribe(`${b.e.functions}/calcomWebhook`, CALCOM_WEBHOOK_SECRET);
  b.stripe.subscribe(`${b.e.functions}/stripeWebhook`, STRIPE_WEBHOOK_SECRET);
  const firstRequest = b.calcom.requests.length;
  const started = Date.now();
  const durationMs = plan.simulatedMinutes * minuteMs;
  b.log(
    `  ${plan.simulatedMinutes} simulated minutes of ${minuteMs / 1000} s: ${plan.viewsPerMinute} slot views and ${plan.bookingsPerMinute} bookings a minute`,
  );

  const views: { source: string; ageSeconds: number }[] = [];
  const failures: { code: string; message: string }[] = [];
  const booked: string[] = [];
  let attempted = 0;
  let slotTaken = 0;
  // Most students look at the coming week, some at the one after.
  const range = () => (Math.random() < 0.7 ? { dateFrom: isoDay(1), dateTo: isoDay(7) } : { dateFrom: isoDay(8), dateTo: isoDay(14) });

  const view = async (coach: Coach, student: User) => {
    const out = await runCallable<{ source: string; ageSeconds?: number; slots: { start: string; end: string }[] }>(
      "getAvailableSlots",
      { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, timeZone: "UTC", ...range() },
      student,
    );
    if (!out.ok) {
      failures.push({ code: out.code, message: out.message });
      return null;
    }
    views.push({ source: out.value.source, ageSeconds: out.value.ageSeconds ?? 0 });
    return out.value.slots;
  };

  const book = async (coach: Coach, student: User) => {
    const slots = await view(coach, student);
    if (!slots || slots.length === 0) return;
    attempted++;
    const slot = pick(slots);
    const out = await runCallable<{ bookingId: string }>(
      "createBooking",
      {
        coachId: coach.user.uid,
        eventTypeId: coach.eventTypeId,
        offeringId: coach.offeringId,
        userId: student.uid,
        startTime: slot.start,
        endTime: slot.end,
      },
      student,
    );
    if (!out.ok) {
      if (out.code === "already-exists") slotTaken++;
      else failures.push({ code: out.code, message: out.message });
      return;
    }
    booked.push(out.value.bookingId);
    const doc = await bookingDoc(b, out.value.bookingId);
    b.stripe.pay(String(doc.stripeCheckoutSessionId));
  };

  // Arrivals at random moments of the run; each student books at most one slot at a time.
  const jobs: Promise<void>[] = [];
  const totalViews = plan.viewsPerMinute * plan.simulatedMinutes;
  const totalBookings = plan.bookingsPerMinute * plan.simulatedMinutes;
  for (let i = 0; i < totalViews - totalBookings; i++) {
    jobs.push(sleep(Math.random() * durationMs).then(() => view(pick(coaches), pick(students)).then(() => undefined)));
  }
  for (let i = 0; i < totalBookings; i++) {
    const student = students[i % students.length] as User;
    jobs.push(sleep((i + Math.random()) * (durationMs / totalBookings)).then(() => book(pick(coaches), student)));
  }
  await Promise.all(jobs);
  const loadMs = Date.now() - started;
  b.log(`  load done after ${(loadMs / 1000).toFixed(0)} s; waiting for the paid bookings to be confirmed`);

  await waitFor(
    "the paid bookings to be confirmed",
    async () => {
      const docs = await Promise.all(booked.map((id) => bookingDoc(b, id)));
      return docs.every((d) => d.paymentStatus === "paid" && d.status === "confirmed") ? true : undefined;
    },
    300_000,
    2_000,
  ).catch(() => undefined);

  const docs = await Promise.all(booked.map(async (id) => ({ id, doc: await bookingDoc(b, id) })));
  const confirmAt = new Map<string, number>();
  for (const r of b.calcom.requests.slice(firstRequest)) {
    if (r.operationId === "confirmBooking" && r.status < 300)
      confirmAt.set(decodeURIComponent(r.path.split("/").at(-2) ?? ""), r.at + r.durationMs);
  }
  const delays = docs.flatMap(({ doc }) => {
    const confirmed = confirmAt.get(String(doc.calcomBookingUid));
    const paid = doc.paidAt as { toMillis?: () => number } | string | undefined;
    const paidAt = typeof paid === "string" ? Date.parse(paid) : typeof paid?.toMillis === "function" ? paid.toMillis() : Number.NaN;
    return confirmed !== undefined && Number.isFinite(paidAt) ? [confirmed - paidAt] : [];
  });

  const calls = b.calcom.requests.slice(firstRequest);
  const per = (keyed: boolean) => {
    const times = calls.filter((r) => (r.headers.authorization?.startsWith("Bearer ") ?? false) === keyed).map((r) => r.at);
    const windows = Math.max(1, (Math.max(...times, started) - started) / minuteMs);
    // As Cal.com counts: the busiest of its fixed windows per credential (every call, 429s included).
    const tracker = keyed ? b.calcom.orgAdminKey : "anonymous";
    return { peak: b.calcom.windowPeaks.get(tracker) ?? 0, slidingPeak: peakInWindow(times, minuteMs), mean: times.length / windows };
  };
  const otherFailures: Record<string, number> = {};
  for (const f of failures.filter((x) => !isRateLimit(x.code, x.message)))
    otherFailures[`${f.code}: ${f.message}`] = (otherFailures[`${f.code}: ${f.message}`] ?? 0) + 1;
  const cachedAges = views.filter((v) => v.source === "cache").map((v) => v.ageSeconds);
  return {
    plan,
    queueDispatchesPerSecond: rate,
    simulatedMinuteMs: minuteMs,
    limitPerWindow: 120,
    calcomPerMinute: { key: per(true), anonymous: per(false) },
    tooManyRequests: calls.filter((r) => r.status === 429).length,
    rateLimitFailures: failures.filter((x) => isRateLimit(x.code, x.message)).length,
    otherFailures,
    views: {
      total: views.length,
      live: views.filter((v) => v.source === "calcom").length,
      cached: cachedAges.length,
      local: views.filter((v) => v.source === "local").length,
      cachedAgeP95Seconds: summarize(cachedAges).p95,
    },
    bookings: {
      attempted,
      created: booked.length,
      slotTaken,
      paid: docs.filter(({ doc }) => doc.paymentStatus === "paid").length,
      confirmed: docs.filter(({ doc }) => doc.status === "confirmed").length,
    },
    paymentToConfirmation: summarize(delays),
    achievedMinutes: loadMs / minuteMs,
  };
}
