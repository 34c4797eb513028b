import { describe, expect, it } from "vitest";
import { AvailabilitySchema, overlaps, weeklyIntervals } from "./availability.js";

function issues(input: unknown): string[] {
  const result = AvailabilitySchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("AvailabilitySchema", () => {
  it("accepts a normal week", () => {
    expect(
      issues({
        timeZone: "Europe/Paris",
        slots: [
          { day: "monday", startTime: "09:00", endTime: "12:00" },
          { day: "monday", startTime: "12:00", endTime: "17:30" },
          { day: "friday", startTime: "20:00", endTime: "24:00" },
        ],
      }),
    ).toEqual([]);
  });

  it("names the slot that ends before it starts", () => {
    expect(issues({ timeZone: "UTC", slots: [{ day: "tuesday", startTime: "10:00", endTime: "09:00" }] })).toEqual([
      "slots.0.endTime: slot 1 (tuesday 10:00-09:00): must end after it starts",
    ]);
  });

  it("names both slots of an overlap", () => {
    expect(
      issues({
        timeZone: "UTC",
        slots: [
          { day: "monday", startTime: "09:00", endTime: "12:00" },
          { day: "monday", startTime: "11:00", endTime: "13:00" },
        ],
      }),
    ).toEqual(["slots.1: slot 2 (monday 11:00-13:00) overlaps slot 1 (monday 09:00-12:00)"]);
  });

  it("refuses an unknown zone, an abbreviation and an unknown day", () => {
    expect(issues({ timeZone: "Mars/Olympus", slots: [] })[0]).toContain("IANA time zone");
    expect(issues({ timeZone: "EST", slots: [] })[0]).toContain("IANA time zone");
    expect(issues({ timeZone: "UTC", slots: [{ day: "funday", startTime: "09:00", endTime: "10:00" }] })[0]).toContain("monday");
  });

  it("refuses malformed clock times", () => {
    expect(issues({ timeZone: "UTC", slots: [{ day: "monday", startTime: "9:00", endTime: "10:00" }] })[0]).toContain("HH:mm");
    expect(issues({ timeZone: "UTC", slots: [{ day: "monday", startTime: "24:00", endTime: "24:00" }] }).join()).toContain(
      "cannot start at 24:00",
    );
  });
});

describe("weeklyIntervals", () => {
  it("resolves wall-clock slots in the coach's zone", () => {
    const availability = AvailabilitySchema.parse({
      timeZone: "Europe/Paris",
      slots: [{ day: "wednesday", startTime: "09:00", endTime: "11:00" }],
    });
    expect(weeklyIntervals(availability, "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z")).toEqual([
      { start: "2026-12-09T08:00:00.000Z", end: "2026-12-09T10:00:00.000Z" },
    ]);
  });

  it("keeps local hours on a DST change day (US spring forward)", () => {
    const availability = AvailabilitySchema.parse({
      timeZone: "America/New_York",
      slots: [{ day: "sunday", startTime: "09:00", endTime: "17:00" }],
    });
    const [before, onChange] = weeklyIntervals(availability, "2026-03-01T00:00:00Z", "2026-03-09T12:00:00Z");
    expect(before).toEqual({ start: "2026-03-01T14:00:00.000Z", end: "2026-03-01T22:00:00.000Z" }); // EST, UTC-5
    expect(onChange).toEqual({ start: "2026-03-08T13:00:00.000Z", end: "2026-03-08T21:00:00.000Z" }); // EDT, UTC-4
  });

  it("spans the jumped-over hour on the change day: 01:00-04:00 local is two elapsed hours", () => {
    const availability = AvailabilitySchema.parse({
      timeZone: "America/New_York",
      slots: [{ day: "sunday", startTime: "01:00", endTime: "04:00" }],
    });
    const [interval] = weeklyIntervals(availability, "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z");
    expect(interval).toEqual({ start: "2026-03-08T06:00:00.000Z", end: "2026-03-08T08:00:00.000Z" });
  });

  it("clips intervals to the range asked for", () => {
    const availability = AvailabilitySchema.parse({ timeZone: "UTC", slots: [{ day: "monday", startTime: "09:00", endTime: "17:00" }] });
    expect(weeklyIntervals(availability, "2026-12-07T12:00:00Z", "2026-12-07T13:30:00Z")).toEqual([
      { start: "2026-12-07T12:00:00.000Z", end: "2026-12-07T13:30:00.000Z" },
    ]);
  });

  it("includes a slot ending at 24:00 up to midnight local", () => {
    const availability = AvailabilitySchema.parse({
      timeZone: "Asia/Tokyo",
      slots: [{ day: "friday", startTime: "22:00", endTime: "24:00" }],
    });
    expect(weeklyIntervals(availability, "2026-12-10T00:00:00Z", "2026-12-13T00:00:00Z")).toEqual([
      { start: "2026-12-11T13:00:00.000Z", end: "2026-12-11T15:00:00.000Z" },
    ]);
  });
});

describe("overlaps", () => {
  const a = { start: "2026-12-07T10:00:00.000Z", end: "2026-12-07T11:00:00.000Z" };
  it("treats intervals as half-open: touching is not overlapping", () => {
    expect(overlaps(a, { start: "2026-12-07T11:00:00.000Z", end: "2026-12-07T12:00:00.000Z" })).toBe(false);
    expect(overlaps(a, { start: "2026-12-07T09:00:00.000Z", end: "2026-12-07T10:00:00.000Z" })).toBe(false);
  });
  it("detects partial and full overlaps", () => {
    expect(overlaps(a, { start: "2026-12-07T10:59:00.000Z", end: "2026-12-07T12:00:00.000Z" })).toBe(true);
    expect(overlaps(a, { start: "2026-12-07T10:15:00.000Z", end: "2026-12-07T10:45:00.000Z" })).toBe(true);
    expect(overlaps(a, a)).toBe(true);
  });
});
