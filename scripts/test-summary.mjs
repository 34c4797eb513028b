// Prints how many tests each kind ran (unit, emulator integration, rules, end-to-end), from
// vitest's JSON report, so the test command's output shows what it covered.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

const modelOnly = process.argv.includes("--model-only");
const reportPath = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "functions/test-results/vitest.json";
const modelPath = reportPath.replace(/vitest\.json$/, "model-based.json");

/** The model-based test's figures (functions/test/int/model-based.int.test.ts). */
function printModel() {
  if (!existsSync(modelPath)) return;
  const m = JSON.parse(readFileSync(modelPath, "utf8"));
  console.log(
    `\n[test] model-based: ${m.runs} runs, ${m.steps} steps, ${m.violations} invariant violations (seed ${m.seed}${m.path ? `, path ${m.path}` : ""})`,
  );
  for (const detail of m.counterexample ?? []) console.log(`  violation: ${detail}`);
}
if (modelOnly) {
  printModel();
  process.exit(0);
}
if (!existsSync(reportPath)) {
  console.log("[test] no vitest report was written");
  process.exit(0);
}
const report = JSON.parse(readFileSync(reportPath, "utf8"));
const kinds = {
  unit: /\/(src|bench)\//,
  "contract (Cal.com description)": /\/test\/contract\//,
  "emulator integration": /\/test\/int\//,
  "security rules": /\/test\/rules\//,
  "end-to-end (Functions emulator)": /\/test\/e2e\//,
};
const rows = Object.entries(kinds).map(([kind, pattern]) => {
  const files = report.testResults.filter((f) => pattern.test(f.name));
  const count = (status) => files.reduce((n, f) => n + f.assertionResults.filter((a) => a.status === status).length, 0);
  return {
    kind,
    files: files.length,
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("pending") + count("skipped") + count("todo"),
  };
});
console.log("\n[test] tests by kind");
for (const r of rows) {
  console.log(
    `  ${r.kind.padEnd(34)} ${String(r.files).padStart(3)} files  ${String(r.passed).padStart(4)} passed  ${r.failed} failed  ${r.skipped} skipped`,
  );
}
console.log(
  `  ${"total".padEnd(34)}            ${String(report.numPassedTests).padStart(4)} passed  ${report.numFailedTests} failed  ${report.numPendingTests + report.numTodoTests} skipped  (${relative(process.cwd(), reportPath)})`,
);

// The fault-injection suite's figures (functions/test/int/fault-injection.int.test.ts).
const faultsPath = reportPath.replace(/vitest\.json$/, "fault-injection.json");
if (existsSync(faultsPath)) {
  const f = JSON.parse(readFileSync(faultsPath, "utf8"));
  console.log(
    `\n[test] fault injection: ${f.scenarios} scenarios run, ${f.faultsInjected} faults injected, ${f.violations} invariant violations`,
  );
  for (const detail of f.details ?? []) console.log(`  violation: ${detail}`);
}
printModel();
