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
