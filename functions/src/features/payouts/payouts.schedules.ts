import { onSchedule } from "firebase-functions/v2/scheduler";
import { STRIPE_SECRET_KEY } from "../../config/params.js";

/** `payOutSessions`: every fifteen minutes, transfers to coaches what settled sessions owe them once their hold is over. */
export const payOutSessions = onSchedule({ schedule: "every 15 minutes", secrets: [STRIPE_SECRET_KEY] }, async () => {
  // Imported on the first run, not at start-up (cold start, BENCHMARKS.md).
  const [{ payOutDueSessions }, { getDependencies }] = await Promise.all([
    import("../../core/effects/payouts.js"),
    import("../../composition-root.js"),
  ]);
  await payOutDueSessions(getDependencies());
});
