/**
 * Whether Firestore gave up on a transaction because others kept winning the same documents: the
 * gRPC ABORTED code, the SDK's own backoff running out (a plain Error: it stops after ten retries
 * whatever `maxAttempts` says), or a transaction the emulator closed under a concurrent one. A
 * transaction that failed so wrote nothing: running it again is safe.
 */
export function isContention(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  if ("code" in err && err.code === 10) return true;
  if (!(err instanceof Error)) return false;
  return err.message === "Exceeded maximum number of retries allowed." || /Transaction is invalid or closed/.test(err.message);
}

/** Runs `work` (one transaction) again, a few rounds, while it loses to contention. */
export async function retryingContention<T>(work: () => Promise<T>, rounds = 4): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await work();
    } catch (err) {
      if (round >= rounds || !isContention(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * round));
    }
  }
}
