/** The longest reason (a cancellation's, a rejection's, a move's) a booking stores. */
export const REASON_MAX_CHARS = 500;

const ELLIPSIS = "…";

/**
 * Free text cut to at most `max` UTF-16 units (what zod's `max` counts), ending in an ellipsis
 * when cut, never splitting a surrogate pair. Text from callers and from Cal.com goes through it
 * before it is stored, so a long reason can never make its document unreadable.
 */
export function boundText(text: string, max: number): string {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer: ${max}`);
  if (text.length <= max) return text;
  let cut = text.slice(0, max - ELLIPSIS.length);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}

/** A reason as a booking stores it: trimmed, `fallback` when empty, bounded to REASON_MAX_CHARS. */
export function storedReason(text: string | null | undefined, fallback: string): string {
  const trimmed = (text ?? "").trim();
  return boundText(trimmed === "" ? fallback : trimmed, REASON_MAX_CHARS);
}
