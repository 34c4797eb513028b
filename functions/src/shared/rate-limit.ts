import { AppError } from "../domain/errors.js";
import { takeToken, type RateLimit } from "../domain/rate-limit.js";
import { isContention, retryingContention } from "./contention.js";
import { getDb, rateLimitDoc } from "./firestore.js";

function limited(retryAfterMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError("request/rate-limited", `Too many requests from this account. Try again in ${retryAfterSeconds} s.`, {
    details: { retryAfterSeconds },
  });
}

/**
 * Spends one call of `key`'s budget (a token bucket in `rateLimits/{key}`), or refuses with
 * `request/rate-limited` (resource-exhausted) saying when to retry. The budget is read and
 * written in one transaction, so concurrent calls cannot overspend it; calls that keep colliding
 * on it are a burst themselves, and are refused as one.
 */
export async function spendCall(key: string, limit: RateLimit, now: Date): Promise<void> {
  const ref = rateLimitDoc(key);
  try {
    await retryingContention(
      () =>
        getDb().runTransaction(async (tx) => {
          const taken = takeToken((await tx.get(ref)).data(), limit, now.getTime());
          if (!taken.allowed) throw limited(taken.retryAfterMs);
          tx.set(ref, taken.bucket);
        }),
      3,
    );
  } catch (err) {
    if (isContention(err)) throw limited(1000);
    throw err;
  }
}
