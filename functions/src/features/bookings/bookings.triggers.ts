import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { CALCOM_API_KEY, STRIPE_SECRET_KEY } from "../../config/params.js";
import { getDependencies } from "../../shared/dependencies.js";
import { runBookingEffects } from "./booking-effects.js";
import { expireStaleHolds } from "./hold-expiry.js";

export const BOOKING_DOC = "bookings/{bookingId}";

/**
 * `onBookingWritten`: carries out what a booking's state asks for (confirm in Cal.com once paid;
 * release in Cal.com and refund once cancelled). Failures are recorded on the booking, and that
 * write is what runs the effect again, up to a bound.
 */
export const onBookingWritten = onDocumentWritten({ document: BOOKING_DOC, secrets: [CALCOM_API_KEY, STRIPE_SECRET_KEY] }, async (event) => {
  if (!event.data?.after.exists) return;
  await runBookingEffects(event.params.bookingId, getDependencies());
});

/** `expireHolds`: every five minutes, releases unpaid holds past their expiry even if Stripe's event never came. */
export const expireHolds = onSchedule({ schedule: "every 5 minutes", secrets: [CALCOM_API_KEY, STRIPE_SECRET_KEY] }, async () => {
  await expireStaleHolds(getDependencies());
});
