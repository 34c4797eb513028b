import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The table of functions in docs/api.md is what a team deploys from: every exported function must
// have a row, and every row must name a function that exists. The troubleshooting messages live in
// docs/operations.md.

const API_DOC = readFileSync(fileURLToPath(new URL("../../../docs/api.md", import.meta.url)), "utf8");
const OPERATIONS_DOC = readFileSync(fileURLToPath(new URL("../../../docs/operations.md", import.meta.url)), "utf8");

function documentedFunctions(): string[] {
  const section = API_DOC.split(/^## Functions$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => /^\| `([A-Za-z]+)`/.exec(line)?.[1] ?? "")
    .filter(Boolean);
}

const INDEX = readFileSync(fileURLToPath(new URL("../../src/index.cts", import.meta.url)), "utf8");
const BUILT_INDEX = fileURLToPath(new URL("../../lib/index.cjs", import.meta.url));

/** The names index.cts deploys (its `FUNCTIONS` table: name → module). */
function exportedFunctions(): string[] {
  const block = INDEX.split("const FUNCTIONS = {")[1]?.split("}")[0] ?? "";
  return [...block.matchAll(/^ {2}(\w+): "/gm)].map((m) => m[1] ?? "");
}

/** The functions the built entry defines when an instance serves `target` (npm test builds first). */
function definedFor(target: string): string[] {
  const script = `const m = await import(${JSON.stringify(BUILT_INDEX)}); process.stdout.write(JSON.stringify(Object.keys(m.default).filter((k) => m.default[k] !== undefined)));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", FUNCTION_TARGET: target, GCLOUD_PROJECT: "demo-coachify" },
    encoding: "utf8",
  });
  return JSON.parse(out) as string[];
}

describe("the function table of docs/api.md", () => {
  it("lists exactly the functions index.cts deploys", () => {
    expect(exportedFunctions()).toHaveLength(46);
    expect(documentedFunctions().sort()).toEqual(exportedFunctions().sort());
  });

  it("an instance serving one function loads only that function's module; discovery loads all", () => {
    expect(definedFor("createBooking")).toEqual(["createBooking", "confirmBooking"]);
    expect(definedFor("stripeWebhook")).toEqual(["stripeWebhook"]);
    expect(definedFor("").sort()).toEqual(exportedFunctions().sort());
  });

  it("quotes the troubleshooting messages the code produces", async () => {
    const { CALCOM_KEY_MISSING_MESSAGE } = await import("../../src/domain/calcom-account.js");
    const { COACH_NOT_SYNCED_MESSAGE } = await import("../../src/domain/coach.js");
    for (const message of [CALCOM_KEY_MISSING_MESSAGE, COACH_NOT_SYNCED_MESSAGE]) expect(OPERATIONS_DOC).toContain(`"${message}"`);
  });
});
