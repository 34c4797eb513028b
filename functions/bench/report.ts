/** BENCHMARKS.md from the figures of one run. */
import type { RaceFigures, ThroughputFigures } from "./concurrency.js";
import type { ColdStartFigures } from "./cold-start.js";
import type { OperationFigures } from "./latency.js";
import type { SimulationFigures } from "./load-simulation.js";
import { ms } from "./stats.js";

export interface BenchRun {
  date: string;
  machine: string;
  durationSeconds: number;
  latencyCalls: number;
  operations: OperationFigures[];
  throughput: ThroughputFigures[];
  race: RaceFigures;
  coldStart: ColdStartFigures;
  simulation: SimulationFigures;
}

export const OVERHEAD_TARGET_MS = 50;
export const COLD_START_TARGET_RATIO = 2;

/** Background functions: nobody waits on their cold start (see the note under Cold start). */
const TRIGGERS = ["onBookingWritten"];

const yes = (ok: boolean) => (ok ? "met" : "**not met**");

export function verdicts(run: BenchRun): { target: string; ok: boolean }[] {
  const callables = run.operations.filter((o) => !o.operation.includes("Webhook") && !o.operation.includes("floor"));
  const userFacing = run.coldStart.functions.filter((f) => !TRIGGERS.includes(f.name));
  return [
    {
      target: `our overhead per callable under ${OVERHEAD_TARGET_MS} ms p50 on the emulator`,
      ok: callables.every((o) => o.overhead.p50 < OVERHEAD_TARGET_MS),
    },
    {
      target: `cold-start load under ${COLD_START_TARGET_RATIO}× the bare baseline, every callable and webhook`,
      ok: userFacing.every((f) => f.ratio < COLD_START_TARGET_RATIO),
    },
    {
      target: "no operation makes more far-end calls than it needs",
      ok: run.operations.every((o) => o.calls.calcom <= o.needs.calcom && o.calls.stripe <= o.needs.stripe),
    },
    { target: "the same-slot race has exactly one winner", ok: run.race.winners === 1 },
    { target: "0 user-facing failures from Cal.com's rate limit in the load simulation", ok: run.simulation.rateLimitFailures === 0 },
    {
      target: "Cal.com calls per window at or under the limit, per credential, as Cal.com counts them",
      ok:
        run.simulation.calcomPerMinute.key.peak <= run.simulation.limitPerWindow &&
        run.simulation.calcomPerMinute.anonymous.peak <= run.simulation.limitPerWindow,
    },
  ];
}

export function renderReport(run: BenchRun): string {
  const sim = run.simulation;
  const cs = run.coldStart;
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench\` (see README); do not edit by hand. Run of ${run.date} on ${run.machine}; it took ${Math.round(run.durationSeconds / 60)} min.`,
    "",
    "Everything runs on one machine: the Firebase emulator suite (Auth, Firestore, Functions, Cloud Tasks) and the Cal.com and Stripe stand-ins of `functions/test/stand-ins`, in the benchmark's own process so their request logs are the far end's view. Callables are called as a client app calls them: HTTP to the Functions emulator with an Auth-emulator ID token. The emulator is slower than Cloud Functions (one worker process per concurrent request, no warm pool), so these figures are an upper bound on our own overhead, not a forecast of production latency.",
    "",
    "## Targets",
    "",
    "| target | result |",
    "| --- | --- |",
    ...verdicts(run).map((v) => `| ${v.target} | ${yes(v.ok)} |`),
    "",
    `## Latency per operation (${run.latencyCalls} calls each, one at a time)`,
    "",
    "*ours*: the client's time for the whole call. *far end*: the stand-ins' own time answering the far-end requests made during the call (the background work a call sets off is not counted in it). *overhead*: ours minus the far end's, per call. Milliseconds.",
    "",
    "| operation | ours p50 | p95 | p99 | far end p50 | p95 | p99 | overhead p50 | p95 | p99 | ours ÷ far end (p50) | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...run.operations.map(
      (o) =>
        `| ${o.operation} | ${ms(o.ours.p50)} | ${ms(o.ours.p95)} | ${ms(o.ours.p99)} | ${ms(o.farEnd.p50)} | ${ms(o.farEnd.p95)} | ${ms(o.farEnd.p99)} | ${ms(o.overhead.p50)} | ${ms(o.overhead.p95)} | ${ms(o.overhead.p99)} | ${o.farEnd.p50 > 0 ? `${(o.ours.p50 / o.farEnd.p50).toFixed(1)}×` : "–"} | ${o.failures} |`,
    ),
    "",
    ...run.operations.filter((o) => o.note).map((o) => `- ${o.operation}: ${o.note ?? ""}.`),
    "",
    "## Far-end calls per operation",
    "",
    "Counted by the stand-ins, background work included (the confirm after a payment, the cancel and refund after a cancellation), averaged over the calls above. *needs*: what the operation cannot do without; the run fails the target if a measured figure is above it.",
    "",
    "| operation | Cal.com | needs | Stripe | needs | why |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...run.operations.map(
      (o) =>
        `| ${o.operation} | ${o.calls.calcom.toFixed(2)} | ${o.needs.calcom} | ${o.calls.stripe.toFixed(2)} | ${o.needs.stripe} | ${o.needs.why} |`,
    ),
    "",
    "## Bookings at once",
    "",
    "Called in-process (the deployed callable's wrapper and code, the emulated Firestore, the stand-ins): the Functions emulator starts one Node process per concurrent request, and a hundred start-ups at once on this machine take minutes and time out, which would measure the emulator.",
    "",
    "| burst | held | refused | wall time (s) | bookings a second | latency p50 (ms) | p95 | p99 |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ...run.throughput.map(
      (t) =>
        `| ${t.callers} \`createBooking\` at once, ${t.label} | ${t.succeeded} | ${
          Object.keys(t.failures).length === 0
            ? "none"
            : Object.entries(t.failures)
                .map(([code, n]) => `\`${code}\` × ${n}`)
                .join(", ")
        } | ${(t.wallMs / 1000).toFixed(1)} | **${t.perSecond.toFixed(1)}** | ${ms(t.latency.p50)} | ${ms(t.latency.p95)} | ${ms(t.latency.p99)} |`,
    ),
    "",
    'Bookings of one coach reserve their interval in one transaction on the coach\'s calendar document (the no-overlap guarantee), so they are serialised: Firestore makes the contenders retry with backoff, and a caller that loses too often gets `aborted` "Many people are booking this coach right now. Please try again." with nothing written.',
    "",
    `- Same-slot race: ${run.race.callers} callers at once for one slot: **${run.race.winners} won**; the others were refused with ${Object.entries(
      run.race.losers,
    )
      .map(([code, n]) => `\`${code}\` × ${n}`)
      .join(", ")}; latency p50 ${ms(run.race.latency.p50)} ms, p99 ${ms(run.race.latency.p99)} ms.`,
    "",

    "## Cold start",
    "",
    `Import of the built entry in a fresh Node process, as an instance of one function does it (\`FUNCTION_TARGET\` set), median of ${cs.runs} processes, against a bare firebase-functions "hello" callable: **${ms(cs.baseline.p50)} ms**. Each function's module imports only firebase-functions and its parameters; its handler's modules (Firestore, zod, the feature's code, and Stripe only where a request needs it) are imported on the first request, shown beside as that request's extra cost. Deploy-time discovery, which imports every function, takes ${ms(cs.discovery.p50)} ms.`,
    "",
    "| function | load p50 (ms) | ÷ baseline | first request's imports p50 (ms) |",
    "| --- | ---: | ---: | ---: |",
    ...cs.functions.map((f) => `| ${f.name} | ${ms(f.load.p50)} | ${f.ratio.toFixed(2)}× | ${ms(f.firstRequest.p50)} |`),
    "",
    "`onBookingWritten` is a Firestore trigger: `firebase-functions/v2/firestore` loads the Firestore SDK and its protobuf event decoding when the trigger is defined, which is most of its figure; nobody waits on a background trigger's cold start, so the target is held for the callables and webhooks.",
    "",
    "## Load simulation: Cal.com's rate limit",
    "",
    `The students' callables run in-process (see Bookings at once); the webhooks, the booking trigger and the calcomWrites queue run in the emulator.`,
    "",
    `${sim.plan.students} students browse and book across ${sim.plan.coaches} coaches for ${sim.plan.simulatedMinutes} simulated minutes: ${sim.plan.viewsPerMinute} slot views and ${sim.plan.bookingsPerMinute} bookings a simulated minute, each booking paid at once (Stripe stand-in → stripeWebhook), Cal.com's webhooks delivered to calcomWebhook. The Cal.com stand-in enforces ${sim.limitPerWindow} calls a window per credential and blocks a credential that exceeds it for a window, answering 429 with the \`X-RateLimit-*-Default\` headers. Time is scaled: a simulated minute is ${sim.simulatedMinuteMs / 1000} s, because the calcomWrites queue runs at ${sim.queueDispatchesPerSecond} dispatches a second here (functions/.env.local) against production's 1 a second: the same half of the budget.`,
    "",
    "| figure | value |",
    "| --- | --- |",
    `| Cal.com calls a simulated minute, API key (bookings, confirms, webhook reads) | busiest window ${sim.calcomPerMinute.key.peak} (limit ${sim.limitPerWindow}), mean ${sim.calcomPerMinute.key.mean.toFixed(0)}; any sliding minute at most ${sim.calcomPerMinute.key.slidingPeak} |`,
    `| Cal.com calls a simulated minute, unauthenticated (slot reads, counted per IP) | busiest window ${sim.calcomPerMinute.anonymous.peak} (limit ${sim.limitPerWindow}), mean ${sim.calcomPerMinute.anonymous.mean.toFixed(0)}; any sliding minute at most ${sim.calcomPerMinute.anonymous.slidingPeak} |`,
    `| 429s received from Cal.com | ${sim.tooManyRequests} |`,
    `| user-facing failures caused by the rate limit | **${sim.rateLimitFailures}** |`,
    `| other failures | ${
      Object.keys(sim.otherFailures).length === 0
        ? "none"
        : Object.entries(sim.otherFailures)
            .map(([k, n]) => `${k} × ${n}`)
            .join("; ")
    } |`,
    `| slot views answered | ${sim.views.total}: ${sim.views.live} live from Cal.com, ${sim.views.cached} from the shared cache, ${sim.views.local} computed locally |`,
    `| age of cached answers, p95 | ${sim.views.cachedAgeP95Seconds} s |`,
    `| bookings | ${sim.bookings.attempted} attempted, ${sim.bookings.created} held, ${sim.bookings.slotTaken} refused because another student took the slot first, ${sim.bookings.paid} paid, **${sim.bookings.confirmed} confirmed** |`,
    `| load delivered in | ${sim.achievedMinutes.toFixed(1)} simulated minutes (planned ${sim.plan.simulatedMinutes}) |`,
    `| payment → Cal.com confirmation | p50 ${(sim.paymentToConfirmation.p50 / 1000).toFixed(1)} s, p95 ${(sim.paymentToConfirmation.p95 / 1000).toFixed(1)} s (real time) |`,
    "",
  ];
  return lines.join("\n");
}
