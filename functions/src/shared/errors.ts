import { HttpsError, type FunctionsErrorCode } from "firebase-functions/v2/https";
import { ZodError } from "zod";
import { AppError, type AppErrorCode } from "../domain/errors.js";

/**
 * One row per AppErrorCode (adding a code fails to compile until it has one): the HTTPS code a
 * client sees, and whether the failure is transient (trying the same thing again later may
 * work: a trigger rethrows it for the platform to retry) or permanent (recorded, not retried).
 */
const ERROR_TABLE: Record<AppErrorCode, { https: FunctionsErrorCode; retryable: boolean }> = {
  "request/invalid": { https: "invalid-argument", retryable: false },
  "request/in-progress": { https: "aborted", retryable: true },
  "request/rate-limited": { https: "resource-exhausted", retryable: true },
  "auth/unauthenticated": { https: "unauthenticated", retryable: false },
  "auth/permission-denied": { https: "permission-denied", retryable: false },
  "auth/app-check": { https: "unauthenticated", retryable: false },
  "auth/app-check-replayed": { https: "permission-denied", retryable: false },
  "auth/email-unverified": { https: "failed-precondition", retryable: false },
  "booking/not-found": { https: "not-found", retryable: false },
  "booking/illegal-transition": { https: "failed-precondition", retryable: false },
  "booking/slot-unavailable": { https: "already-exists", retryable: false },
  "booking/currency-mismatch": { https: "invalid-argument", retryable: false },
  "booking/cannot-reschedule": { https: "failed-precondition", retryable: false },
  "booking/quote-changed": { https: "failed-precondition", retryable: false },
  "booking/outside-limits": { https: "failed-precondition", retryable: false },
  "booking/too-many-holds": { https: "resource-exhausted", retryable: false },
  "booking/too-many-bookings": { https: "resource-exhausted", retryable: false },
  "booking/cutoff-passed": { https: "failed-precondition", retryable: false },
  // A write the booking schema refuses is our defect, never the caller's: nothing was stored.
  "booking/unstorable": { https: "internal", retryable: false },
  "booking/not-started": { https: "failed-precondition", retryable: false },
  "booking/already-settled": { https: "failed-precondition", retryable: false },
  "booking/move-in-progress": { https: "failed-precondition", retryable: false },
  "booking/no-show-open": { https: "failed-precondition", retryable: false },
  "policy/invalid": { https: "invalid-argument", retryable: false },
  "coach/not-found": { https: "not-found", retryable: false },
  "coach/not-synced": { https: "failed-precondition", retryable: false },
  "coach/not-connected": { https: "failed-precondition", retryable: false },
  "coach/bookings-live": { https: "failed-precondition", retryable: false },
  "coach/calendar-full": { https: "resource-exhausted", retryable: false },
  "offering/not-found": { https: "not-found", retryable: false },
  "calcom/unauthorized": { https: "failed-precondition", retryable: false },
  "calcom/not-found": { https: "not-found", retryable: false },
  "calcom/conflict": { https: "already-exists", retryable: false },
  // Organization mode: a member with the coach's email that we did not create for them, or a user of another coach.
  "calcom/user-not-ours": { https: "failed-precondition", retryable: false },
  "calcom/user-taken": { https: "already-exists", retryable: false },
  "config/missing": { https: "failed-precondition", retryable: false },
  "payment/card-declined": { https: "failed-precondition", retryable: false },
  "payment/disputed": { https: "failed-precondition", retryable: false },
  "payment/already-refunded": { https: "failed-precondition", retryable: false },
  "payment/not-paid": { https: "failed-precondition", retryable: false },
  // Stripe Connect: the balance a transfer or a reversal draws on cannot cover it (the core records a debt or waits).
  "payment/insufficient-funds": { https: "failed-precondition", retryable: false },
  // A connected account whose `transfers` capability is not active: payouts wait for onboarding.
  "payment/account-not-ready": { https: "failed-precondition", retryable: false },
  "upstream/unavailable": { https: "unavailable", retryable: true },
  "upstream/rate-limited": { https: "resource-exhausted", retryable: true },
  "upstream/rejected": { https: "internal", retryable: false },
};

/** Whether trying again later may succeed: only a transient failure of ours (anything else is not known to be). */
export function isRetryable(err: unknown): boolean {
  return err instanceof AppError && ERROR_TABLE[err.code].retryable;
}

/** Human-readable summary of zod issues with their paths: `availability.slots.1.endTime: must be …`. */
export function formatZodError(err: ZodError): string {
  return err.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/**
 * Turns what a callable threw into what its client sees. AppErrors and zod errors become
 * HttpsErrors with `details.code`; anything else is returned untouched so firebase-functions logs
 * it and answers an opaque `internal` (a vendor's message never reaches a client).
 */
export function toHttpsError(err: unknown): unknown {
  if (err instanceof HttpsError) return err;
  if (err instanceof AppError) {
    return new HttpsError(ERROR_TABLE[err.code].https, err.message, { ...err.details, code: err.code });
  }
  if (err instanceof ZodError) {
    return new HttpsError("invalid-argument", formatZodError(err), {
      code: "request/invalid",
      issues: err.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })),
    });
  }
  return err;
}
