import { onSchedule } from "firebase-functions/v2/scheduler";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";

/** `expireHolds`: every five minutes, releases unpaid holds past their expiry even if Stripe's event never came. */
export const expireHolds = onSchedule(
  { schedule: "every 5 minutes", secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  async () => {
    // Imported on the first run, not at start-up (cold start, BENCHMARKS.md).
    const [{ expireStaleHolds }, { getDependencies }] = await Promise.all([
      import("../../core/effects/hold-expiry.js"),
      import("../../composition-root.js"),
    ]);
    await expireStaleHolds(getDependencies());
  },
);
