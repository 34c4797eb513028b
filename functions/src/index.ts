// Entry point: global options first, then re-exports only. Deployed names are camelCase verb+noun.
import "./config/global-options.js";

export { getHealth } from "./features/health/health.callables.js";
export { connectCalcomAccount } from "./features/calcom-accounts/calcom-accounts.callables.js";
export { syncAvailability, getAvailableSlots } from "./features/availability/availability.callables.js";
export { saveOffering, removeOffering } from "./features/offerings/offerings.callables.js";
export { saveSchedulingLimits } from "./features/limits/limits.callables.js";
export { onCoachWritten } from "./features/offerings/offerings.triggers.js";
export { createBooking, confirmBooking } from "./features/bookings/bookings.callables.js";
export { calcomWrites } from "./features/calcom-writes/calcom-writes.tasks.js";
export { onBookingWritten, expireHolds } from "./features/bookings/bookings.triggers.js";
export { stripeWebhook } from "./features/webhooks/stripe-webhook.endpoint.js";
export { cancelBooking } from "./features/cancellations/cancellations.callables.js";
export { rescheduleBooking } from "./features/reschedules/reschedules.callables.js";
export { saveCancellationPolicy, quoteCancellation, quoteReschedule, coachStatement } from "./features/money/money.callables.js";
export { calcomWebhook } from "./features/webhooks/calcom-webhook.endpoint.js";
export { api } from "./features/rest-api/rest-api.endpoint.js";
