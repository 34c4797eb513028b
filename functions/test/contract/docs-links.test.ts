import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README and the manual in docs/ link to each other's sections: every relative link must name a
// file of the repository and, for a Markdown file, one of its headings.

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DOCS = join(ROOT, "docs");
const FILES = [
  join(ROOT, "README.md"),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(DOCS, f)),
];

/** The text outside fenced code blocks and inline code, where a link or a heading can be. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors a Markdown file defines, a repeated heading numbered as GitHub numbers it. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const text = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
  for (const match of text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(match[1] ?? "");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every broken relative link of one file, as `file: target (why)`. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const match of prose(readFileSync(file, "utf8")).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? "";
    if (/^[a-z]+:/i.test(target)) continue;
    const [path = "", anchor] = target.split("#");
    const resolved = path === "" ? file : join(dirname(file), path);
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(resolved)) {
      broken.push(`${where} (no such file)`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(anchor)) {
      broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

describe("links of the README and docs/", () => {
  it("finds the manual", () => {
    expect(FILES.length).toBeGreaterThan(5);
  });

  it("computes GitHub's anchors", () => {
    expect(slug("Inside Cal.com's rate limit")).toBe("inside-calcoms-rate-limit");
    expect(slug("The booking domain (`functions/src/domain/`)")).toBe("the-booking-domain-functionssrcdomain");
    expect(slug("Money in any order: the model-based test")).toBe("money-in-any-order-the-model-based-test");
  });

  it("every relative link names an existing file and heading", () => {
    expect(FILES.flatMap(brokenLinks)).toEqual([]);
  });

  it("every page of docs/ is linked from the README", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const unlinked = readdirSync(DOCS)
      .filter((f) => f.endsWith(".md"))
      .filter((f) => !readme.includes(`](docs/${f})`));
    expect(unlinked).toEqual([]);
  });
});
