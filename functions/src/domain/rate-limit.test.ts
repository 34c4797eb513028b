import { describe, expect, it } from "vitest";
import { takeToken, type RateBucket } from "./rate-limit.js";

const LIMIT = { perMinute: 60, burst: 3 };

function burst(n: number, nowMs: number, start?: RateBucket) {
  let bucket = start;
  const answers = [];
  for (let i = 0; i < n; i += 1) {
    const taken = takeToken(bucket, LIMIT, nowMs);
    answers.push(taken.allowed);
    if (taken.allowed) bucket = taken.bucket;
  }
  return { answers, bucket };
}

describe("takeToken", () => {
  it("lets a new account make `burst` calls at once and refuses the next", () => {
    expect(burst(4, 1_000).answers).toEqual([true, true, true, false]);
  });

  it("says when the next token comes: one a second at 60 a minute", () => {
    const { bucket } = burst(3, 1_000);
    expect(takeToken(bucket, LIMIT, 1_000)).toEqual({ allowed: false, retryAfterMs: 1_000 });
    expect(takeToken(bucket, LIMIT, 1_400)).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(takeToken(bucket, LIMIT, 2_000).allowed).toBe(true);
  });

  it("refills no further than the burst however long the account was idle", () => {
    const { bucket } = burst(3, 0);
    expect(burst(4, 3_600_000, bucket).answers).toEqual([true, true, true, false]);
  });

  it("refills nothing when the clock goes backwards", () => {
    const { bucket } = burst(3, 10_000);
    expect(takeToken(bucket, LIMIT, 5_000).allowed).toBe(false);
  });
});
