import { describe, expect, it } from "vitest";
import { calcomAccountKey, connectionChange, needsItsCalcomAccount } from "./calcom-account.js";

describe("connectionChange", () => {
  it("is the first connection for a coach never reached in Cal.com", () => {
    expect(connectionChange(null, 7)).toBe("first");
  });
  it("is a key rotation for the same connected Cal.com user", () => {
    expect(connectionChange({ mode: "connected", calcomUserId: 7 }, 7)).toBe("rotation");
  });
  it("is a switch for another Cal.com user", () => {
    expect(connectionChange({ mode: "connected", calcomUserId: 7 }, 8)).toBe("switch");
  });
  it("is a switch from organization mode, even to the same user id", () => {
    expect(connectionChange({ mode: "organization", calcomUserId: 7 }, 7)).toBe("switch");
  });
});

describe("needsItsCalcomAccount", () => {
  const now = new Date("2030-01-07T10:00:00.000Z");
  it("holds for a live booking not yet ended", () => {
    expect(needsItsCalcomAccount({ status: "confirmed", endTime: "2030-01-07T10:00:00.001Z", reschedule: null }, now)).toBe(true);
    expect(needsItsCalcomAccount({ status: "requested", endTime: "2030-01-08T10:00:00.000Z", reschedule: null }, now)).toBe(true);
  });
  it("does not hold once it has ended or is cancelled", () => {
    expect(needsItsCalcomAccount({ status: "confirmed", endTime: "2030-01-07T10:00:00.000Z", reschedule: null }, now)).toBe(false);
    expect(needsItsCalcomAccount({ status: "cancelled", endTime: "2030-01-08T10:00:00.000Z", reschedule: null }, now)).toBe(false);
  });
  it("holds for an ended booking with a move in flight", () => {
    expect(needsItsCalcomAccount({ status: "confirmed", endTime: "2030-01-07T09:00:00.000Z", reschedule: { id: "r1" } }, now)).toBe(true);
  });
});

describe("calcomAccountKey", () => {
  it("names the mode and the user", () => {
    expect(calcomAccountKey({ mode: "connected", calcomUserId: 42 })).toBe("connected-42");
  });
});
