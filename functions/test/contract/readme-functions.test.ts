import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's table of functions is what a team deploys from: every exported function must have
// a row, and every row must name a function that exists.

const README = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
const INDEX = readFileSync(fileURLToPath(new URL("../../src/index.ts", import.meta.url)), "utf8");

function readmeFunctions(): string[] {
  const section = README.split(/^## Functions$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => /^\| `([A-Za-z]+)`/.exec(line)?.[1] ?? "")
    .filter(Boolean);
}

function exportedFunctions(): string[] {
  return [...INDEX.matchAll(/export \{([^}]+)\} from/g)].flatMap((m) => (m[1] ?? "").split(",").map((name) => name.trim())).filter(Boolean);
}

describe("the README's function table", () => {
  it("lists exactly the functions index.ts deploys", () => {
    expect(readmeFunctions().sort()).toEqual(exportedFunctions().sort());
  });

  it("quotes the troubleshooting messages the code produces", async () => {
    const { CALCOM_KEY_MISSING_MESSAGE } = await import("../../src/integrations/calcom/calcom-error-map.js");
    const { COACH_NOT_SYNCED_MESSAGE } = await import("../../src/features/availability/availability.service.js");
    for (const message of [CALCOM_KEY_MISSING_MESSAGE, COACH_NOT_SYNCED_MESSAGE]) expect(README).toContain(`"${message}"`);
  });
});
