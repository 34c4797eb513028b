import { CALCOM_KEY_MISSING_MESSAGE } from "../../domain/calcom-account.js";
import { AppError } from "../../domain/errors.js";
import { CalcomApiError } from "./calcom-errors.js";

/** Translates a Cal.com failure into what our callers and clients see; other errors pass through. */
export function calcomToAppError(err: unknown): unknown {
  if (!(err instanceof CalcomApiError)) return err;
  const details = { calcomStatus: err.status };
  switch (err.kind) {
    case "not-configured":
      return new AppError("config/missing", CALCOM_KEY_MISSING_MESSAGE, { cause: err });
    case "unauthorized":
      return new AppError("calcom/unauthorized", "Cal.com refused our credential: check the Cal.com API key or reconnect the account.", {
        details,
        cause: err,
      });
    case "not-found":
      return new AppError("calcom/not-found", "Cal.com has no such record.", { details, cause: err });
    case "conflict":
      return new AppError("calcom/conflict", "Cal.com already has this record.", { details, cause: err });
    case "rate-limited":
      return new AppError("upstream/rate-limited", "Cal.com is busy right now. Please try again in a minute.", {
        details: { ...details, retryAfterSeconds: err.resetSeconds },
        cause: err,
      });
    case "bad-request":
      return new AppError("upstream/rejected", "Cal.com refused the request.", { details, cause: err });
    case "unavailable":
    case "timeout":
    case "invalid-response":
      return new AppError("upstream/unavailable", "Cal.com is not answering right now. Please try again shortly.", { details, cause: err });
  }
}

/*
 * Cal.com's answers to "that already exists", recognised here and nowhere else. An event type
 * with a slug the owner already has is refused with 400, not 409: a user's own event type with
 * "User already has an event type with this slug." (BadRequestException, checked before the
 * insert), a team's with "URL Slug already exists for given user." (the unique index caught and
 * re-thrown as BAD_REQUEST). A 409 (Prisma's unique-constraint answer) means the same.
 */
const DUPLICATE_SLUG_MESSAGES = [/already has an event type with this slug/i, /slug already exists/i];

/** Whether Cal.com refused an event-type create because the owner already has one with that slug. */
export function isDuplicateSlug(err: unknown): boolean {
  if (!(err instanceof CalcomApiError)) return false;
  if (err.kind === "conflict") return true;
  return err.kind === "bad-request" && DUPLICATE_SLUG_MESSAGES.some((m) => m.test(err.calcomMessage ?? ""));
}

/** Whether Cal.com refused an organization-user create because a member with that email exists (409 "A user already exists with that email"). */
export function isDuplicateUser(err: unknown): boolean {
  return err instanceof CalcomApiError && err.kind === "conflict";
}
