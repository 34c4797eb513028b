import { describe, expect, it } from "vitest";
import { peakInWindow, percentile, summarize } from "./stats.js";

describe("percentile (nearest rank)", () => {
  it("takes the value at the rank, not an interpolation", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
  });
  it("answers the only value for one sample and NaN for none", () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).mean).toBeNaN();
  });
  it("rounds the rank up on small samples", () => {
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
  });
});

describe("peakInWindow", () => {
  it("counts the busiest window, its end exclusive", () => {
    expect(peakInWindow([0, 10, 20, 1_000, 1_010], 1_000)).toBe(3);
    expect(peakInWindow([0, 999, 1_000], 1_000)).toBe(2);
    expect(peakInWindow([], 1_000)).toBe(0);
  });
});
