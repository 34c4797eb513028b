import { HttpsError, type FunctionsErrorCode } from "firebase-functions/v2/https";
import { ZodError } from "zod";
import { AppError, type AppErrorCode } from "../domain/errors.js";

/** Every AppErrorCode must be mapped: adding a code fails to compile until it is. */
const HTTPS_CODE: Record<AppErrorCode, FunctionsErrorCode> = {
  "request/invalid": "invalid-argument",
  "request/in-progress": "aborted",
  "auth/unauthenticated": "unauthenticated",
  "auth/permission-denied": "permission-denied",
  "booking/not-found": "not-found",
  "booking/illegal-transition": "failed-precondition",
  "booking/slot-unavailable": "already-exists",
  "booking/currency-mismatch": "invalid-argument",
  "booking/cannot-reschedule": "failed-precondition",
  "booking/quote-changed": "failed-precondition",
  "booking/outside-limits": "failed-precondition",
  "booking/too-many-holds": "resource-exhausted",
  "booking/cutoff-passed": "failed-precondition",
  // A write the booking schema refuses is our defect, never the caller's: nothing was stored.
  "booking/unstorable": "internal",
  "policy/invalid": "invalid-argument",
  "coach/not-found": "not-found",
  "coach/not-synced": "failed-precondition",
  "coach/not-connected": "failed-precondition",
  "coach/bookings-live": "failed-precondition",
  "offering/not-found": "not-found",
  "calcom/unauthorized": "failed-precondition",
  "calcom/not-found": "not-found",
  "calcom/conflict": "already-exists",
  "config/missing": "failed-precondition",
  "payment/card-declined": "failed-precondition",
  "payment/disputed": "failed-precondition",
  "payment/already-refunded": "failed-precondition",
  "payment/not-paid": "failed-precondition",
  "upstream/unavailable": "unavailable",
  "upstream/rate-limited": "resource-exhausted",
  "upstream/rejected": "internal",
};

export function httpsCodeFor(code: AppErrorCode): FunctionsErrorCode {
  return HTTPS_CODE[code];
}

/** Human-readable summary of zod issues with their paths: `availability.slots.1.endTime: must be …`. */
export function formatZodError(err: ZodError): string {
  return err.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/**
 * Turns what a callable threw into what its client sees. AppErrors and zod errors become
 * HttpsErrors with `details.code`; anything else is returned untouched so firebase-functions logs
 * it and answers an opaque `internal` (a vendor's message never reaches a client).
 */
export function toHttpsError(err: unknown): unknown {
  if (err instanceof HttpsError) return err;
  if (err instanceof AppError) {
    return new HttpsError(HTTPS_CODE[err.code], err.message, { ...err.details, code: err.code });
  }
  if (err instanceof ZodError) {
    return new HttpsError("invalid-argument", formatZodError(err), {
      code: "request/invalid",
      issues: err.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })),
    });
  }
  return err;
}
