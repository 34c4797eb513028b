import { describe, expect, it } from "vitest";
import { mayWaitForProcessing, processingDeadline, processingHoldExpiry } from "./delayed-payment.js";

const NINE = "2030-01-07T09:00:00.000Z";
const TEN = "2030-01-07T10:00:00.000Z";

describe("delayed payments", () => {
  it("wait at most until the earliest start: a move is bounded by both its current and its new start", () => {
    expect(processingDeadline([NINE])).toBe(NINE);
    expect(processingDeadline([TEN, NINE])).toBe(NINE);
    expect(processingDeadline([NINE, TEN])).toBe(NINE);
  });

  it("may wait only before the deadline", () => {
    expect(mayWaitForProcessing(NINE, new Date("2030-01-07T08:59:59.999Z"))).toBe(true);
    expect(mayWaitForProcessing(NINE, new Date(NINE))).toBe(false);
  });

  it("move the hold's expiry to the deadline, never earlier than it was", () => {
    expect(processingHoldExpiry("2030-01-06T09:35:00.000Z", NINE)).toBe(NINE);
    expect(processingHoldExpiry(null, NINE)).toBe(NINE);
    expect(processingHoldExpiry(TEN, NINE)).toBe(TEN);
  });
});
