/**
 * `npm run bench`: runs inside `firebase emulators:exec` (scripts/bench.sh) and rewrites
 * BENCHMARKS.md at the repository root. Exits non-zero when a target is not met, after writing
 * the file (the figures are still worth reading).
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { raceSection, throughputSection } from "./concurrency.js";
import { coldStartSection } from "./cold-start.js";
import { startBench, stopBench } from "./harness.js";
import { latencySection } from "./latency.js";
import { loadSimulation } from "./load-simulation.js";
import { renderReport, verdicts, type BenchRun } from "./report.js";

const LATENCY_CALLS = Number(process.env.BENCH_CALLS ?? 200);
const started = Date.now();
const log = (line: string) => {
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
};

log("cold start");
const coldStart = coldStartSection(Number(process.env.BENCH_COLD_RUNS ?? 11));
const b = await startBench(log);
try {
  log("latency per operation");
  const operations = await latencySection(b, LATENCY_CALLS);
  log("throughput");
  const throughput = await throughputSection(b, 100);
  log("same-slot race");
  const race = await raceSection(b, 50);
  log("load simulation");
  const simulation = await loadSimulation(b, {
    coaches: 20,
    students: 100,
    simulatedMinutes: Number(process.env.BENCH_SIM_MINUTES ?? 3),
    viewsPerMinute: 500,
    bookingsPerMinute: 50,
  });
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const run: BenchRun = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`,
    durationSeconds: (Date.now() - started) / 1000,
    latencyCalls: LATENCY_CALLS,
    operations,
    throughput,
    race,
    coldStart,
    simulation,
  };
  const path = fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url));
  writeFileSync(path, renderReport(run));
  log(`wrote ${path}`);
  const missed = verdicts(run).filter((v) => !v.ok);
  for (const v of missed) log(`target not met: ${v.target}`);
  process.exitCode = missed.length === 0 ? 0 : 1;
} finally {
  await stopBench(b);
}
