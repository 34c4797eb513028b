import { AppError } from "../domain/errors.js";
import type { RateLimit } from "../domain/abuse-defaults.js";
import { takeToken } from "../domain/rate-limit.js";
import { isContention, retryingContention } from "./contention.js";
import { deletedUserDoc, getDb, rateLimitDoc } from "./firestore.js";

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
 * on it are a burst themselves, and are refused as one. A `uid` whose account was deleted
 * (`deletedUsers/{uid}`) is refused (`auth/permission-denied`) in the same transaction.
 */
export async function spendCall(key: string, limit: RateLimit, now: Date, uid: string | null = null): Promise<void> {
  const ref = rateLimitDoc(key);
  try {
    await retryingContention(
      () =>
        getDb().runTransaction(async (tx) => {
          const [bucket, deleted] = await Promise.all([tx.get(ref), uid === null ? null : tx.get(deletedUserDoc(uid))]);
          // A deleted account's ID token stays valid until it expires (up to an hour): refused here,
          // or it could put its erased data back (an offering, availability) or book.
          if (deleted?.exists === true) throw new AppError("auth/permission-denied", "This account was deleted.");
          const taken = takeToken(bucket.data(), limit, now.getTime());
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
