import { describe, expect, it } from "vitest";
import { REASON_MAX_CHARS, boundText, storedReason } from "./text.js";

describe("boundText", () => {
  it("keeps text that fits and cuts longer text to the bound, ending in an ellipsis", () => {
    expect(boundText("short", 10)).toBe("short");
    expect(boundText("x".repeat(10), 10)).toBe("x".repeat(10));
    const cut = boundText("x".repeat(11), 10);
    expect(cut).toBe(`${"x".repeat(9)}…`);
    expect(cut).toHaveLength(10);
  });

  it("never splits a surrogate pair", () => {
    const cut = boundText(`${"x".repeat(8)}😀😀`, 10);
    expect(cut).toBe(`${"x".repeat(8)}…`);
    expect(cut.length).toBeLessThanOrEqual(10);
  });
});

describe("storedReason", () => {
  it("regression #16.1: bounds a reason to what the booking schema stores, and falls back when empty", () => {
    expect(storedReason("y".repeat(5_000), "fallback")).toHaveLength(REASON_MAX_CHARS);
    expect(storedReason("  ", "Cancelled in Cal.com")).toBe("Cancelled in Cal.com");
    expect(storedReason(null, "Cancelled in Cal.com")).toBe("Cancelled in Cal.com");
    expect(storedReason(" Sick ", "x")).toBe("Sick");
  });
});
