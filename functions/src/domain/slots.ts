import { overlaps, weeklyIntervals, type Availability, type Interval } from "./availability.js";
import { MINUTE_MS, epochMs, isoFromMs } from "./time.js";

const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Bookable slots computed from the local copy of a coach's weekly availability: back-to-back
 * slots of `durationMinutes` from the start of each open interval, whole slots only, none
 * starting before `now`. Used when Cal.com cannot answer.
 */
export function localSlots(
  availability: Availability,
  durationMinutes: number,
  from: string,
  to: string,
  now: string,
  stepMinutes: number = durationMinutes,
): Interval[] {
  const lengthMs = durationMinutes * MINUTE_MS;
  const stepMs = stepMinutes * MINUTE_MS;
  const fromMs = Math.max(epochMs(from), epochMs(now));
  const toMs = epochMs(to);
  const slots: Interval[] = [];
  // Widen the window by a day each side so that slots stay aligned on the open interval's start
  // (09:00, 10:00, …) however the range cuts it, then keep the whole slots inside the range.
  const open = weeklyIntervals(availability, isoFromMs(epochMs(from) - DAY_MS), isoFromMs(toMs + DAY_MS));
  for (const interval of open) {
    const endMs = epochMs(interval.end);
    for (let t = epochMs(interval.start); t + lengthMs <= endMs; t += stepMs) {
      if (t >= fromMs && t + lengthMs <= toMs) slots.push({ start: isoFromMs(t), end: isoFromMs(t + lengthMs) });
    }
  }
  return slots;
}

/** The slots that overlap none of the busy intervals. */
export function withoutBusy(slots: readonly Interval[], busy: readonly Interval[]): Interval[] {
  return slots.filter((slot) => !busy.some((b) => overlaps(slot, b)));
}
