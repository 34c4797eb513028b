import { z } from "zod";
import type { RateLimit } from "./abuse-defaults.js";

/** One account's bucket: tokens left at `updatedAtMs` (refilled continuously up to the burst). */
export const RateBucketSchema = z.object({
  tokens: z.number().min(0),
  updatedAtMs: z.int().min(0),
});
export type RateBucket = z.output<typeof RateBucketSchema>;

/**
 * Takes one call's token from the bucket (a missing bucket is full). Allowed: the bucket to store.
 * Refused: the bucket is left as it was and `retryAfterMs` says when one token will be there.
 * A clock that went backwards refills nothing.
 */
export function takeToken(
  bucket: RateBucket | undefined,
  limit: RateLimit,
  nowMs: number,
): { allowed: true; bucket: RateBucket } | { allowed: false; retryAfterMs: number } {
  const perMs = limit.perMinute / 60_000;
  const elapsed = bucket === undefined ? 0 : Math.max(0, nowMs - bucket.updatedAtMs);
  const tokens = bucket === undefined ? limit.burst : Math.min(limit.burst, bucket.tokens + elapsed * perMs);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, updatedAtMs: Math.max(nowMs, bucket?.updatedAtMs ?? 0) } };
  return { allowed: false, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
}
