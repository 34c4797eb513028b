import { DEFAULT_RATE_LIMIT, type RateLimit } from "../domain/abuse-defaults.js";
import { APP_CHECK_ENFORCED, RATE_LIMIT_BURST, RATE_LIMIT_CALLS_PER_MINUTE } from "./params.js";

/** What every callable checks before its handler runs (shared/callable.ts). */
export interface CallableGuards {
  appCheckEnforced: boolean;
  rateLimit: RateLimit;
}

/**
 * Read on each call (parameters are environment variables: cheap), so a test can turn a guard on.
 * An unset or non-positive limit (as the parameters read outside a deployment) is the default.
 */
export function callableGuards(): CallableGuards {
  const perMinute = RATE_LIMIT_CALLS_PER_MINUTE.value();
  const burst = RATE_LIMIT_BURST.value();
  return {
    appCheckEnforced: APP_CHECK_ENFORCED.value(),
    rateLimit: {
      perMinute: perMinute > 0 ? perMinute : DEFAULT_RATE_LIMIT.perMinute,
      burst: burst > 0 ? burst : DEFAULT_RATE_LIMIT.burst,
    },
  };
}
