// Entry point. An instance of a deployed function loads only the module that defines it:
// FUNCTION_TARGET names the function (Cloud Run functions and the emulator both set it), and
// deploy-time discovery, which sets none, loads every module. This file is CommonJS because an ES
// module cannot export conditionally without top-level await, which the Functions runtime's
// require() refuses; Node 22 requires the ES modules it loads. Each module is light in turn: its
// handler's code is imported on the first request (cold start, BENCHMARKS.md). Deployed names
// are camelCase verb+noun; every one is listed once, in FUNCTIONS below, and in the table of
// docs/api.md (a test checks both).
/* eslint-disable @typescript-eslint/no-require-imports */

/** Every deployed function, by name: the module that defines it. */
const FUNCTIONS = {
  getHealth: "./features/health/health.callables.js",
  connectCalcomAccount: "./features/calcom-accounts/calcom-accounts.callables.js",
  syncAvailability: "./features/availability/availability.callables.js",
  getAvailableSlots: "./features/availability/availability.callables.js",
  saveOffering: "./features/offerings/offerings.callables.js",
  removeOffering: "./features/offerings/offerings.callables.js",
  saveSchedulingLimits: "./features/limits/limits.callables.js",
  onCoachWritten: "./features/offerings/offerings.triggers.js",
  saveCoachProfile: "./features/catalog/catalog.callables.js",
  setCoachListing: "./features/catalog/catalog.callables.js",
  listCoaches: "./features/catalog/catalog.callables.js",
  getCoach: "./features/catalog/catalog.callables.js",
  onCoachProfileWritten: "./features/catalog/catalog.triggers.js",
  createBooking: "./features/bookings/bookings.callables.js",
  confirmBooking: "./features/bookings/bookings.callables.js",
  calcomWrites: "./features/calcom-writes/calcom-writes.tasks.js",
  onBookingWritten: "./features/bookings/bookings.triggers.js",
  expireHolds: "./features/bookings/bookings.schedules.js",
  stripeWebhook: "./features/webhooks/stripe-webhook.function.js",
  cancelBooking: "./features/cancellations/cancellations.callables.js",
  rescheduleBooking: "./features/reschedules/reschedules.callables.js",
  saveCancellationPolicy: "./features/money/money.callables.js",
  quoteCancellation: "./features/money/money.callables.js",
  quoteReschedule: "./features/money/money.callables.js",
  coachStatement: "./features/money/money.callables.js",
  platformStatement: "./features/money/money.callables.js",
  calcomWebhook: "./features/webhooks/calcom-webhook.function.js",
  reconcileBooking: "./features/reconciliation/reconciliation.callables.js",
  reconcileBookings: "./features/reconciliation/reconciliation.schedules.js",
  markNoShow: "./features/attendance/attendance.callables.js",
  resolveNoShow: "./features/attendance/attendance.callables.js",
  completeBooking: "./features/attendance/attendance.callables.js",
  completeSessions: "./features/attendance/attendance.schedules.js",
  refundSession: "./features/cancellations/cancellations.callables.js",
  startPayoutOnboarding: "./features/payouts/payouts.callables.js",
  setCoachPlatformFee: "./features/payouts/payouts.callables.js",
  payOutSessions: "./features/payouts/payouts.schedules.js",
  payOutBooking: "./features/payouts/payouts.callables.js",
  getNotificationPreferences: "./features/notifications/notifications.callables.js",
  setNotificationPreferences: "./features/notifications/notifications.callables.js",
  onNotificationCreated: "./features/notifications/notifications.triggers.js",
  sendReminder: "./features/notifications/notifications.tasks.js",
  exportMyData: "./features/personal-data/personal-data.callables.js",
  deleteMyAccount: "./features/personal-data/personal-data.callables.js",
  onAuthUserDeleted: "./features/personal-data/personal-data.triggers.js",
  api: "./rest-api/rest-api.function.js",
} as const satisfies Record<string, string>;

// Global options before any function is defined.
require("./config/global-options.js");

const target = process.env.FUNCTION_TARGET ?? "";
const serving: string | undefined = target === "" ? undefined : (FUNCTIONS as Record<string, string>)[target];

/** The functions this instance defines: the module of its target (all of them when discovered). */
const entry: Record<string, unknown> = {};
const modules = new Map<string, Record<string, unknown>>();
for (const [name, path] of Object.entries(FUNCTIONS)) {
  if (target !== "" && path !== serving) continue;
  const module = modules.get(path) ?? (require(path) as Record<string, unknown>);
  modules.set(path, module);
  entry[name] = module[name];
}

export = entry;
