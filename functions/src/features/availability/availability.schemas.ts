import { z } from "zod";
import { AvailabilitySchema } from "../../domain/availability.js";
import { TimeZoneSchema } from "../../domain/time.js";

export const SyncAvailabilityInputSchema = z.object({
  coachId: z.string().min(1).max(128),
  availability: AvailabilitySchema,
});
export type SyncAvailabilityInput = z.output<typeof SyncAvailabilityInputSchema>;

/** A calendar date (whole day in the asked zone) or an instant with an offset. */
const DateOrInstantSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const GetAvailableSlotsInputSchema = z.object({
  coachId: z.string().min(1).max(128),
  eventTypeId: z.coerce.number().int().positive(),
  dateFrom: DateOrInstantSchema,
  dateTo: DateOrInstantSchema,
  /** The zone to answer in (dates and `localStart`); the coach's zone when omitted. */
  timeZone: TimeZoneSchema.optional(),
  /**
   * Slots to move this booking to within its offering: its own event type, length and limits
   * (which may no longer be the offering's), its own time not counted as taken.
   */
  bookingId: z.string().min(1).max(128).optional(),
});
export type GetAvailableSlotsInput = z.output<typeof GetAvailableSlotsInputSchema>;

export interface SlotOut {
  start: string;
  end: string;
  /** The slot's date and start as wall-clock time in the answer's zone. */
  localDate: string;
  localStart: string;
}

export interface AvailableSlotsOut {
  coachId: string;
  eventTypeId: number;
  timeZone: string;
  /**
   * `calcom`: fetched from Cal.com for this answer; `cache`: Cal.com's answer shared with other
   * students (fresh, or stale because Cal.com is rate limited or down: see `ageSeconds`); `local`:
   * computed from our copy because Cal.com could not answer and nothing was cached.
   */
  source: "calcom" | "cache" | "local";
  /** The age of Cal.com's answer in seconds (null for `local`). Our own bookings are always subtracted live. */
  ageSeconds: number | null;
  from: string;
  to: string;
  slots: SlotOut[];
}
