/**
 * Bookings at once: throughput of concurrent createBooking calls on distinct slots, and the
 * same-slot race (exactly one caller may win).
 */
import type { User } from "../demo/demo-client.js";
import { readyCoach, slotAt, timedCall, users, type Bench } from "./harness.js";
import { summarize, type Summary } from "./stats.js";

export interface ThroughputFigures {
  callers: number;
  succeeded: number;
  failures: Record<string, number>;
  wallMs: number;
  perSecond: number;
  latency: Summary;
}

export interface RaceFigures {
  callers: number;
  winners: number;
  losers: Record<string, number>;
  latency: Summary;
}

function countCodes(codes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
}

export async function throughputSection(b: Bench, callers: number): Promise<ThroughputFigures> {
  const coach = await readyCoach(b, "throughput-coach@bench.coachify.test");
  const students: User[] = await users(b, "throughput-student", callers);
  b.log(`  ${callers} createBooking calls at once, distinct slots`);
  const started = performance.now();
  const outcomes = await Promise.all(
    students.map((student, i) => timedCall(b, "createBooking", { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, offeringId: coach.offeringId, userId: student.uid, ...slotAt(2 + Math.floor(i / 23), i % 23) }, student)),
  );
  const wallMs = performance.now() - started;
  const ok = outcomes.filter((o) => o.ok);
  return {
    callers,
    succeeded: ok.length,
    failures: countCodes(outcomes.flatMap((o) => (o.ok ? [] : [o.code]))),
    wallMs,
    perSecond: ok.length / (wallMs / 1000),
    latency: summarize(outcomes.map((o) => o.ms)),
  };
}

export async function raceSection(b: Bench, callers: number): Promise<RaceFigures> {
  const coach = await readyCoach(b, "race-coach@bench.coachify.test");
  const students: User[] = await users(b, "race-student", callers);
  const slot = slotAt(3, 10);
  b.log(`  ${callers} createBooking calls at once for one slot`);
  const outcomes = await Promise.all(students.map((student) => timedCall(b, "createBooking", { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, offeringId: coach.offeringId, userId: student.uid, ...slot }, student)));
  return {
    callers,
    winners: outcomes.filter((o) => o.ok).length,
    losers: countCodes(outcomes.flatMap((o) => (o.ok ? [] : [o.code]))),
    latency: summarize(outcomes.map((o) => o.ms)),
  };
}
