/**
 * Cold start: how long a fresh Node process takes to import the built functions entry as an
 * instance of one function does (FUNCTION_TARGET set), against a bare firebase-functions "hello"
 * callable; each import is timed inside its process, so Node's own start-up is left out. The
 * handler's modules (Firestore, zod, the feature's code) are imported on the first request: their
 * time is reported beside, as the first request's extra cost.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { summarize, type Summary } from "./stats.js";

const LIB = fileURLToPath(new URL("../lib/", import.meta.url));
const BASELINE = fileURLToPath(new URL("./baseline-hello.js", import.meta.url));

/** Functions measured, with the modules their first request imports. */
const TARGETS: { name: string; firstRequest: string[] }[] = [
  { name: "getHealth", firstRequest: ["config/runtime-config.js", "features/health/health.service.js"] },
  {
    name: "getAvailableSlots",
    firstRequest: ["features/availability/availability.schemas.js", "features/availability/availability.service.js", "composition-root.js"],
  },
  {
    name: "createBooking",
    firstRequest: ["features/bookings/bookings.schemas.js", "features/bookings/bookings.service.js", "composition-root.js"],
  },
  {
    name: "cancelBooking",
    firstRequest: [
      "features/cancellations/cancellations.schemas.js",
      "features/cancellations/cancellations.service.js",
      "composition-root.js",
    ],
  },
  { name: "stripeWebhook", firstRequest: ["features/webhooks/stripe-webhook.endpoint.js", "composition-root.js"] },
  { name: "calcomWebhook", firstRequest: ["features/webhooks/calcom-webhook.endpoint.js", "composition-root.js"] },
  { name: "onBookingWritten", firstRequest: ["core/effects/runner.js", "composition-root.js"] },
  { name: "calcomWrites", firstRequest: ["core/effects/calcom-writes.js", "composition-root.js"] },
];

export interface FunctionColdStart {
  name: string;
  load: Summary;
  ratio: number;
  firstRequest: Summary;
}

export interface ColdStartFigures {
  runs: number;
  baseline: Summary;
  /** Deploy-time discovery: every function's module, no target. */
  discovery: Summary;
  functions: FunctionColdStart[];
}

function timeImports(target: string | null, entry: string, then: string[]): [number, number] {
  const script = [
    "const t0 = performance.now();",
    `await import(${JSON.stringify(entry)});`,
    "const t1 = performance.now();",
    ...then.map((m) => `await import(${JSON.stringify(LIB + m)});`),
    "process.stdout.write(JSON.stringify([t1 - t0, performance.now() - t1]));",
  ].join("\n");
  // No emulator variables: the import alone, as a fresh instance does it before its first request.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", GCLOUD_PROJECT: "demo-coachify" };
  if (target !== null) env.FUNCTION_TARGET = target;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
  return JSON.parse(out) as [number, number];
}

export function coldStartSection(runs: number): ColdStartFigures {
  const baseline: number[] = [];
  const discovery: number[] = [];
  const load = new Map<string, number[]>(TARGETS.map((t) => [t.name, []]));
  const first = new Map<string, number[]>(TARGETS.map((t) => [t.name, []]));
  // Interleaved, so a busy moment of the machine hurts every figure alike.
  for (let i = 0; i < runs; i++) {
    baseline.push(timeImports(null, BASELINE, [])[0]);
    discovery.push(timeImports(null, `${LIB}index.cjs`, [])[0]);
    for (const t of TARGETS) {
      const [l, f] = timeImports(t.name, `${LIB}index.cjs`, t.firstRequest);
      load.get(t.name)?.push(l);
      first.get(t.name)?.push(f);
    }
  }
  const base = summarize(baseline);
  return {
    runs,
    baseline: base,
    discovery: summarize(discovery),
    functions: TARGETS.map((t) => {
      const l = summarize(load.get(t.name) ?? []);
      return { name: t.name, load: l, ratio: l.p50 / base.p50, firstRequest: summarize(first.get(t.name) ?? []) };
    }),
  };
}
