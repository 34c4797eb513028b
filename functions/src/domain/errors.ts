/**
 * The closed set of error codes this backend reports, namespaced `domain/reason`.
 * Pure: the mapping to HttpsError codes lives in shared/errors.ts, whose exhaustive table
 * fails to compile until a new code here is mapped.
 */
export const APP_ERROR_CODES = [
  "request/invalid",
  "request/in-progress",
  "request/rate-limited",
  "auth/unauthenticated",
  "auth/permission-denied",
  "auth/app-check",
  "auth/app-check-replayed",
  "auth/email-unverified",
  "booking/not-found",
  "booking/illegal-transition",
  "booking/slot-unavailable",
  "booking/currency-mismatch",
  "booking/cannot-reschedule",
  "booking/quote-changed",
  "booking/outside-limits",
  "booking/too-many-holds",
  "booking/too-many-bookings",
  "booking/cutoff-passed",
  "booking/unstorable",
  "booking/not-started",
  "booking/already-settled",
  "booking/move-in-progress",
  "booking/no-show-open",
  "policy/invalid",
  "coach/not-found",
  "coach/not-synced",
  "coach/not-connected",
  "coach/bookings-live",
  "coach/calendar-full",
  "offering/not-found",
  "calcom/unauthorized",
  "calcom/not-found",
  "calcom/conflict",
  "calcom/user-not-ours",
  "calcom/user-taken",
  "config/missing",
  "payment/card-declined",
  "payment/disputed",
  "payment/already-refunded",
  "payment/not-paid",
  "payment/insufficient-funds",
  "payment/account-not-ready",
  "upstream/unavailable",
  "upstream/rate-limited",
  "upstream/rejected",
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** An error whose message is safe to show a person and whose details are safe to send. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: AppErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
  }
}

/** The code to log or record for whatever was thrown: ours, or `internal` for anything else. */
export function errorCodeOf(err: unknown): AppErrorCode | "internal" {
  return err instanceof AppError ? err.code : "internal";
}
