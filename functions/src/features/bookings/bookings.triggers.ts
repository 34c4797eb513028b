import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";

// The handlers' modules are imported on the first event, not at start-up (cold start, BENCHMARKS.md).
const dependencies = () => import("../../composition-root.js");

export const BOOKING_DOC = "bookings/{bookingId}";

/**
 * `onBookingWritten`: carries out what a booking's state asks for (confirm in Cal.com once paid;
 * release in Cal.com and refund once cancelled), then erases personal data again on the bookings
 * of deleted accounts (core/erasure.ts). Failures are recorded on the booking, and that
 * write is what runs the effect again, up to a bound.
 */
export const onBookingWritten = onDocumentWritten(
  { document: BOOKING_DOC, secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  async (event) => {
    if (!event.data?.after.exists) return;
    const [{ runBookingEffects }, { eraseLateData }, { getDependencies }] = await Promise.all([
      import("../../core/effects/runner.js"),
      import("../../core/erasure.js"),
      dependencies(),
    ]);
    const deps = getDependencies();
    await runBookingEffects(event.params.bookingId, deps);
    // A booking of a deleted account: what this write or its effects brought back is erased again.
    await eraseLateData(event.params.bookingId, deps.now());
  },
);
