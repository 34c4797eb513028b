import { onSchedule } from "firebase-functions/v2/scheduler";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";

/** `completeSessions`: every fifteen minutes, completes confirmed sessions whose grace period is over (no-shows settled, disputes to an admin). */
export const completeSessions = onSchedule(
  { schedule: "every 15 minutes", secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  async () => {
    // Imported on the first run, not at start-up (cold start, BENCHMARKS.md).
    const [{ completeDueSessions }, { getDependencies }] = await Promise.all([
      import("../../core/effects/attendance.js"),
      import("../../composition-root.js"),
    ]);
    await completeDueSessions(getDependencies());
  },
);
