import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, CALCOM_QUEUE_DISPATCHES_PER_SECOND } from "../../config/params.js";

/**
 * `calcomWrites`: the task queue every background write to Cal.com goes through, at a rate that
 * leaves head-room in Cal.com's per-key budget for the calls a person waits on (booking,
 * moving). A failed write throws, and the queue retries it with backoff; a 429 is first waited
 * out by the Cal.com client for the reset its headers give, and a longer block enqueues the
 * write again for its end (no retry spent).
 */
export const calcomWrites = onTaskDispatched(
  {
    secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING],
    rateLimits: { maxDispatchesPerSecond: CALCOM_QUEUE_DISPATCHES_PER_SECOND, maxConcurrentDispatches: 4 },
    // About 20 minutes of retries (5 s doubling to 5 min) outlast a Cal.com outage's usual length;
    // a write still failing after them is enqueued again by reconciliation.
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 300, maxDoublings: 6 },
  },
  async (request) => {
    const [{ CalcomWriteSchema }, { runCalcomWrite }, { getDependencies }] = await Promise.all([
      import("../../ports/calcom-queue.port.js"),
      import("../../core/effects/calcom-writes.js"),
      import("../../composition-root.js"),
    ]);
    const write = CalcomWriteSchema.parse(request.data);
    const outcome = await runCalcomWrite(write, getDependencies());
    if (outcome === "retry") throw new Error(`Cal.com write ${write.key} failed; the queue will retry it`);
  },
);
