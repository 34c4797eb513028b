import { DateTime, IANAZone } from "luxon";
import { z } from "zod";

/** An IANA time zone name that Luxon (and so the ICU data of the runtime) knows. */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  // Region/City names only (plus UTC): abbreviations such as EST are ambiguous for people.
  .refine((zone) => zone === "UTC" || (zone.includes("/") && IANAZone.isValidZone(zone)), {
    message: "must be an IANA time zone such as Europe/Paris",
  });

/**
 * An instant given as ISO-8601 with an offset or Z, normalised to UTC (`…Z`, milliseconds).
 * Wall-clock times without an offset are refused: an instant must not depend on where it is read.
 */
export const InstantSchema = z.iso.datetime({ offset: true }).transform((iso) => toUtcIso(DateTime.fromISO(iso, { setZone: true })));

/** Milliseconds since the epoch of an instant string produced by InstantSchema. */
export function epochMs(instant: string): number {
  const ms = DateTime.fromISO(instant, { zone: "utc" }).toMillis();
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${instant}`);
  return ms;
}

export function toUtcIso(dt: DateTime): string {
  const iso = dt.toUTC().toISO({ suppressMilliseconds: false, includeOffset: true });
  if (iso === null) throw new RangeError(`invalid date time: ${dt.invalidExplanation ?? "unknown"}`);
  return iso;
}

export function isoFromMs(ms: number): string {
  return toUtcIso(DateTime.fromMillis(ms, { zone: "utc" }));
}

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * HOUR_MS;
