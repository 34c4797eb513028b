import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The lint step's folder check (scripts/folder-cycles.mjs) reads dependency-cruiser's JSON: it must
// refuse folders that import each other, however long the loop, and pass a layered tree.

const SCRIPT = fileURLToPath(new URL("../../../scripts/folder-cycles.mjs", import.meta.url));

function check(imports: [from: string, to: string][]): { status: number | null; output: string } {
  const sources = new Set(imports.flat());
  const modules = [...sources].map((source) => ({
    source,
    dependencies: imports.filter(([from]) => from === source).map(([, to]) => ({ resolved: to })),
  }));
  const run = spawnSync(process.execPath, [SCRIPT], { input: JSON.stringify({ modules }), encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe("the folder cycle check", () => {
  it("passes folders that import downwards only, and files of one folder importing each other", () => {
    const run = check([
      ["src/features/a/a.ts", "src/core/x.ts"],
      ["src/core/x.ts", "src/domain/d.ts"],
      ["src/core/effects/e.ts", "src/core/x.ts"],
      ["src/domain/d.ts", "src/domain/e.ts"],
      ["src/domain/e.ts", "src/domain/d.ts"],
    ]);
    expect(run.status).toBe(0);
  });

  it("fails two folders importing each other through different files, naming both", () => {
    const run = check([
      ["src/features/a/a1.ts", "src/features/b/b.ts"],
      ["src/features/b/b.ts", "src/features/a/a2.ts"],
    ]);
    expect(run.status).toBe(1);
    expect(run.output).toContain("src/features/a, src/features/b");
  });

  it("fails a loop through three folders, and a parent folder and its child importing each other", () => {
    expect(
      check([
        ["src/a/x.ts", "src/b/y.ts"],
        ["src/b/y.ts", "src/c/z.ts"],
        ["src/c/w.ts", "src/a/v.ts"],
      ]).status,
    ).toBe(1);
    expect(
      check([
        ["src/core/effects/e.ts", "src/core/x.ts"],
        ["src/core/x.ts", "src/core/effects/f.ts"],
      ]).status,
    ).toBe(1);
  });

  it("ignores imports of libraries", () => {
    expect(check([["src/a/x.ts", "node_modules/zod/index.js"]]).status).toBe(0);
  });
});
