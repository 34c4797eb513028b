/**
 * Bookings at once: throughput of concurrent createBooking calls on distinct slots (spread over a
 * marketplace's coaches, and all on one coach, whose calendar document serialises them), and the
 * same-slot race (exactly one caller may win). In-process (see in-process.ts): a hundred Node
 * start-ups at once in the Functions emulator would measure the emulator.
 */
import type { User } from "../demo/demo-client.js";
import { readyCoach, slotAt, users, type Bench, type Coach } from "./harness.js";
import { runCallable, useStandInsInProcess } from "./in-process.js";
import { summarize, type Summary } from "./stats.js";

export interface ThroughputFigures {
  label: string;
  callers: number;
  coaches: number;
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

async function burst(b: Bench, label: string, coaches: Coach[], students: User[]): Promise<ThroughputFigures> {
  b.log(`  ${students.length} createBooking calls at once on distinct slots, ${coaches.length} coach(es)`);
  const started = performance.now();
  const outcomes = await Promise.all(
    students.map((student, i) => {
      const coach = coaches[i % coaches.length] as Coach;
      const n = Math.floor(i / coaches.length);
      return runCallable(
        "createBooking",
        {
          coachId: coach.user.uid,
          eventTypeId: coach.eventTypeId,
          offeringId: coach.offeringId,
          userId: student.uid,
          ...slotAt(2 + Math.floor(n / 23), n % 23),
        },
        student,
      );
    }),
  );
  const wallMs = performance.now() - started;
  const ok = outcomes.filter((o) => o.ok);
  return {
    label,
    callers: students.length,
    coaches: coaches.length,
    succeeded: ok.length,
    failures: countCodes(outcomes.flatMap((o) => (o.ok ? [] : [o.code]))),
    wallMs,
    perSecond: ok.length / (wallMs / 1000),
    latency: summarize(outcomes.map((o) => o.ms)),
  };
}

export async function throughputSection(b: Bench, callers: number): Promise<ThroughputFigures[]> {
  useStandInsInProcess(b);
  const spread: Coach[] = [];
  for (let i = 0; i < 20; i++) spread.push(await readyCoach(b, `throughput-coach-${i}@bench.coachify.test`));
  const one = await readyCoach(b, "throughput-one-coach@bench.coachify.test");
  return [
    await burst(b, "across 20 coaches", spread, await users(b, "throughput-spread", callers)),
    // One coach's calendar serialises its bookings: a fifth of the burst shows the cost.
    await burst(b, "all on one coach", [one], await users(b, "throughput-one", Math.ceil(callers / 5))),
  ];
}

export async function raceSection(b: Bench, callers: number): Promise<RaceFigures> {
  useStandInsInProcess(b);
  const coach = await readyCoach(b, "race-coach@bench.coachify.test");
  const students: User[] = await users(b, "race-student", callers);
  const slot = slotAt(3, 10);
  b.log(`  ${callers} createBooking calls at once for one slot`);
  const outcomes = await Promise.all(
    students.map((student) =>
      runCallable(
        "createBooking",
        { coachId: coach.user.uid, eventTypeId: coach.eventTypeId, offeringId: coach.offeringId, userId: student.uid, ...slot },
        student,
      ),
    ),
  );
  return {
    callers,
    winners: outcomes.filter((o) => o.ok).length,
    losers: countCodes(outcomes.flatMap((o) => (o.ok ? [] : [o.code]))),
    latency: summarize(outcomes.map((o) => o.ms)),
  };
}
