import { describe, expect, it } from "vitest";
import { AvailabilitySchema } from "./availability.js";
import { localSlots, withoutBusy } from "./slots.js";

const paris = AvailabilitySchema.parse({ timeZone: "Europe/Paris", slots: [{ day: "monday", startTime: "09:00", endTime: "12:00" }] });
const NOW = "2026-01-01T00:00:00.000Z";

describe("localSlots", () => {
  it("cuts each open interval into whole back-to-back slots", () => {
    expect(localSlots(paris, 60, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", NOW)).toEqual([
      { start: "2030-01-07T08:00:00.000Z", end: "2030-01-07T09:00:00.000Z" },
      { start: "2030-01-07T09:00:00.000Z", end: "2030-01-07T10:00:00.000Z" },
      { start: "2030-01-07T10:00:00.000Z", end: "2030-01-07T11:00:00.000Z" },
    ]);
    expect(localSlots(paris, 90, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", NOW)).toHaveLength(2);
    expect(localSlots(paris, 240, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", NOW)).toEqual([]);
  });

  it("keeps slots aligned on the interval start when the range begins inside it", () => {
    expect(localSlots(paris, 60, "2030-01-07T08:30:00Z", "2030-01-08T00:00:00Z", NOW).map((s) => s.start)).toEqual([
      "2030-01-07T09:00:00.000Z",
      "2030-01-07T10:00:00.000Z",
    ]);
  });

  it("offers nothing that starts before now", () => {
    expect(localSlots(paris, 60, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", "2030-01-07T09:00:00Z").map((s) => s.start)).toEqual([
      "2030-01-07T09:00:00.000Z",
      "2030-01-07T10:00:00.000Z",
    ]);
  });

  it("follows the coach's wall clock across a DST change", () => {
    // Paris moves to summer time on 2030-03-31: Monday 09:00 local is 08:00Z before, 07:00Z after.
    const slots = localSlots(paris, 180, "2030-03-25T00:00:00Z", "2030-04-02T00:00:00Z", NOW);
    expect(slots.map((s) => s.start)).toEqual(["2030-03-25T08:00:00.000Z", "2030-04-01T07:00:00.000Z"]);
  });
});

describe("withoutBusy", () => {
  it("drops slots that overlap a busy interval, keeping those that only touch it", () => {
    const slots = localSlots(paris, 60, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", NOW);
    const busy = [{ start: "2030-01-07T09:30:00.000Z", end: "2030-01-07T10:00:00.000Z" }];
    expect(withoutBusy(slots, busy).map((s) => s.start)).toEqual(["2030-01-07T08:00:00.000Z", "2030-01-07T10:00:00.000Z"]);
  });
});
