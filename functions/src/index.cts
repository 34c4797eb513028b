// Entry point. An instance of a deployed function loads only the module that defines it:
// FUNCTION_TARGET names the function (Cloud Run functions and the emulator both set it), and
// deploy-time discovery, which sets none, loads every module. This file is CommonJS because an ES
// module cannot export conditionally without top-level await, which the Functions runtime's
// require() refuses; Node 22 requires the ES modules it loads. Each module is light in turn: its
// handler's code is imported on the first request (cold start, BENCHMARKS.md). Deployed names
// are camelCase verb+noun; every one is listed here and in the table of docs/api.md.
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as Accounts from "./features/calcom-accounts/calcom-accounts.callables.js";
import type * as Availability from "./features/availability/availability.callables.js";
import type * as BookingCallables from "./features/bookings/bookings.callables.js";
import type * as BookingSchedules from "./features/bookings/bookings.schedules.js";
import type * as BookingTriggers from "./features/bookings/bookings.triggers.js";
import type * as CalcomWebhook from "./features/webhooks/calcom-webhook.function.js";
import type * as CalcomWrites from "./features/calcom-writes/calcom-writes.tasks.js";
import type * as Cancellations from "./features/cancellations/cancellations.callables.js";
import type * as Health from "./features/health/health.callables.js";
import type * as Limits from "./features/limits/limits.callables.js";
import type * as Money from "./features/money/money.callables.js";
import type * as ReconciliationCallables from "./features/reconciliation/reconciliation.callables.js";
import type * as ReconciliationSchedules from "./features/reconciliation/reconciliation.schedules.js";
import type * as OfferingCallables from "./features/offerings/offerings.callables.js";
import type * as OfferingTriggers from "./features/offerings/offerings.triggers.js";
import type * as Reschedules from "./features/reschedules/reschedules.callables.js";
import type * as RestApi from "./features/rest-api/rest-api.function.js";
import type * as StripeWebhook from "./features/webhooks/stripe-webhook.function.js";

// Global options before any function is defined.
require("./config/global-options.js");

const target = process.env.FUNCTION_TARGET ?? "";

/** The module at `path` when this instance serves one of `names` (or is being discovered); else nothing. */
function serving<M>(names: readonly (keyof M & string)[], path: string): Partial<M> {
  return target === "" || (names as readonly string[]).includes(target) ? (require(path) as M) : {};
}

const health = serving<typeof Health>(["getHealth"], "./features/health/health.callables.js");
const accounts = serving<typeof Accounts>(["connectCalcomAccount"], "./features/calcom-accounts/calcom-accounts.callables.js");
const availability = serving<typeof Availability>(["syncAvailability", "getAvailableSlots"], "./features/availability/availability.callables.js");
const offerings = serving<typeof OfferingCallables>(["saveOffering", "removeOffering"], "./features/offerings/offerings.callables.js");
const limits = serving<typeof Limits>(["saveSchedulingLimits"], "./features/limits/limits.callables.js");
const coachTriggers = serving<typeof OfferingTriggers>(["onCoachWritten"], "./features/offerings/offerings.triggers.js");
const bookings = serving<typeof BookingCallables>(["createBooking", "confirmBooking"], "./features/bookings/bookings.callables.js");
const calcomWriteTasks = serving<typeof CalcomWrites>(["calcomWrites"], "./features/calcom-writes/calcom-writes.tasks.js");
const bookingTriggers = serving<typeof BookingTriggers>(["onBookingWritten"], "./features/bookings/bookings.triggers.js");
const bookingSchedules = serving<typeof BookingSchedules>(["expireHolds"], "./features/bookings/bookings.schedules.js");
const stripeHook = serving<typeof StripeWebhook>(["stripeWebhook"], "./features/webhooks/stripe-webhook.function.js");
const cancellations = serving<typeof Cancellations>(["cancelBooking"], "./features/cancellations/cancellations.callables.js");
const reschedules = serving<typeof Reschedules>(["rescheduleBooking"], "./features/reschedules/reschedules.callables.js");
const money = serving<typeof Money>(["saveCancellationPolicy", "quoteCancellation", "quoteReschedule", "coachStatement"], "./features/money/money.callables.js");
const calcomHook = serving<typeof CalcomWebhook>(["calcomWebhook"], "./features/webhooks/calcom-webhook.function.js");
const reconciliation = serving<typeof ReconciliationCallables>(["reconcileBooking"], "./features/reconciliation/reconciliation.callables.js");
const reconciliationSchedules = serving<typeof ReconciliationSchedules>(["reconcileBookings"], "./features/reconciliation/reconciliation.schedules.js");
const restApi = serving<typeof RestApi>(["api"], "./features/rest-api/rest-api.function.js");

export = {
  getHealth: health.getHealth,
  connectCalcomAccount: accounts.connectCalcomAccount,
  syncAvailability: availability.syncAvailability,
  getAvailableSlots: availability.getAvailableSlots,
  saveOffering: offerings.saveOffering,
  removeOffering: offerings.removeOffering,
  saveSchedulingLimits: limits.saveSchedulingLimits,
  onCoachWritten: coachTriggers.onCoachWritten,
  createBooking: bookings.createBooking,
  confirmBooking: bookings.confirmBooking,
  calcomWrites: calcomWriteTasks.calcomWrites,
  onBookingWritten: bookingTriggers.onBookingWritten,
  expireHolds: bookingSchedules.expireHolds,
  stripeWebhook: stripeHook.stripeWebhook,
  cancelBooking: cancellations.cancelBooking,
  rescheduleBooking: reschedules.rescheduleBooking,
  saveCancellationPolicy: money.saveCancellationPolicy,
  quoteCancellation: money.quoteCancellation,
  quoteReschedule: money.quoteReschedule,
  coachStatement: money.coachStatement,
  calcomWebhook: calcomHook.calcomWebhook,
  reconcileBooking: reconciliation.reconcileBooking,
  reconcileBookings: reconciliationSchedules.reconcileBookings,
  api: restApi.api,
};
