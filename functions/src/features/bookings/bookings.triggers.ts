import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";

// The handlers' modules are imported on the first event, not at start-up (cold start, BENCHMARKS.md).
const dependencies = () => import("../../composition-root.js");

export const BOOKING_DOC = "bookings/{bookingId}";

/**
 * `onBookingWritten`: carries out what a booking's state asks for (confirm in Cal.com once paid;
 * release in Cal.com and refund once cancelled). Failures are recorded on the booking, and that
 * write is what runs the effect again, up to a bound.
 */
export const onBookingWritten = onDocumentWritten(
  { document: BOOKING_DOC, secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  async (event) => {
    if (!event.data?.after.exists) return;
    const [{ runBookingEffects }, { getDependencies }] = await Promise.all([import("../../core/effects/runner.js"), dependencies()]);
    await runBookingEffects(event.params.bookingId, getDependencies());
  },
);
