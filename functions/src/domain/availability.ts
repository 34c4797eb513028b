import { DateTime } from "luxon";
import { z } from "zod";
import { TimeZoneSchema, epochMs, toUtcIso } from "./time.js";

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export const WeekdaySchema = z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` });

/** `HH:mm` on a 24-hour clock; `24:00` is allowed as an end meaning midnight. */
const ClockTimeSchema = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time HH:mm such as 09:30");

export const WeeklySlotSchema = z.object({
  day: WeekdaySchema,
  startTime: ClockTimeSchema,
  endTime: ClockTimeSchema,
});
export type WeeklySlot = z.output<typeof WeeklySlotSchema>;

function minutesOf(clock: string): number {
  const [h, m] = clock.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function describeSlot(index: number, slot: WeeklySlot): string {
  return `slot ${index + 1} (${slot.day} ${slot.startTime}-${slot.endTime})`;
}

/**
 * A coach's weekly availability: wall-clock intervals in the coach's IANA time zone. Each slot
 * must end after it starts and no two slots of a day may overlap; errors name the slot.
 */
export const AvailabilitySchema = z
  .object({
    timeZone: TimeZoneSchema,
    slots: z.array(WeeklySlotSchema).max(100),
  })
  .superRefine((availability, ctx) => {
    availability.slots.forEach((slot, index) => {
      if (slot.startTime === "24:00") {
        ctx.addIssue({
          code: "custom",
          path: ["slots", index, "startTime"],
          message: `${describeSlot(index, slot)}: cannot start at 24:00`,
        });
      } else if (minutesOf(slot.endTime) <= minutesOf(slot.startTime)) {
        ctx.addIssue({
          code: "custom",
          path: ["slots", index, "endTime"],
          message: `${describeSlot(index, slot)}: must end after it starts`,
        });
      }
    });
    availability.slots.forEach((slot, index) => {
      availability.slots.slice(0, index).forEach((other, otherIndex) => {
        if (
          other.day === slot.day &&
          minutesOf(slot.startTime) < minutesOf(other.endTime) &&
          minutesOf(other.startTime) < minutesOf(slot.endTime)
        ) {
          ctx.addIssue({
            code: "custom",
            path: ["slots", index],
            message: `${describeSlot(index, slot)} overlaps ${describeSlot(otherIndex, other)}`,
          });
        }
      });
    });
  });
export type Availability = z.output<typeof AvailabilitySchema>;

export interface Interval {
  start: string;
  end: string;
}

/**
 * The concrete UTC intervals that a weekly availability opens between two instants. Wall-clock
 * times are resolved in the coach's zone day by day, so a DST change day keeps 09:00-17:00 local
 * (seven or nine elapsed hours when the clocks jump inside it). A wall-clock time that does not
 * exist on a spring-forward day is moved forward by Luxon to the first valid instant.
 */
export function weeklyIntervals(availability: Availability, from: string, to: string): Interval[] {
  const fromMs = epochMs(from);
  const toMs = epochMs(to);
  const zone = availability.timeZone;
  const intervals: Interval[] = [];
  let day = DateTime.fromMillis(fromMs, { zone }).startOf("day").minus({ days: 1 });
  const lastDay = DateTime.fromMillis(toMs, { zone }).startOf("day");
  while (day <= lastDay) {
    const weekday = WEEKDAYS[day.weekday - 1];
    for (const slot of availability.slots) {
      if (slot.day !== weekday) continue;
      const start = atClock(day, slot.startTime);
      const end = atClock(day, slot.endTime);
      const startMs = Math.max(start.toMillis(), fromMs);
      const endMs = Math.min(end.toMillis(), toMs);
      if (endMs > startMs) {
        intervals.push({
          start: toUtcIso(DateTime.fromMillis(startMs)),
          end: toUtcIso(DateTime.fromMillis(endMs)),
        });
      }
    }
    day = day.plus({ days: 1 });
  }
  return intervals.sort((a, b) => epochMs(a.start) - epochMs(b.start));
}

function atClock(day: DateTime, clock: string): DateTime {
  if (clock === "24:00") return day.plus({ days: 1 }).startOf("day");
  const [hour, minute] = clock.split(":").map(Number);
  return day.set({ hour: hour ?? 0, minute: minute ?? 0, second: 0, millisecond: 0 });
}

/** True when two half-open intervals [start, end) share any instant. */
export function overlaps(a: Interval, b: Interval): boolean {
  return epochMs(a.start) < epochMs(b.end) && epochMs(b.start) < epochMs(a.end);
}
