import { onSchedule } from "firebase-functions/v2/scheduler";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";

/** `reconcileBookings`: every ten minutes, finds and heals bookings on which Firestore, Cal.com and Stripe disagree. */
export const reconcileBookings = onSchedule(
  { schedule: "every 10 minutes", secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY], timeoutSeconds: 540 },
  async () => {
    // Imported on the first run, not at start-up (cold start, BENCHMARKS.md).
    const [{ reconcileRecent }, { getDependencies }] = await Promise.all([
      import("./reconciliation.service.js"),
      import("../../composition-root.js"),
    ]);
    await reconcileRecent({ dryRun: false }, getDependencies());
  },
);
