/**
 * The marketplace's defaults against abuse (and the session's grace period), with no imports: the parameters (config/params.ts)
 * read them at load, and a function instance must not load zod or Luxon for that (cold start).
 */

/** How often one account may call: `perMinute` on average, `burst` at once (a token bucket). */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

/** The production default: a person using an app never comes near it; a script does. */
export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze({ perMinute: 60, burst: 30 });

/** Upcoming sessions (paid, free or held) one student may have with one coach at once, unless configured otherwise. */
export const DEFAULT_MAX_UPCOMING_PER_STUDENT = 10;

/**
 * How long after a session's end it is completed when nobody reported a no-show: the time either
 * side has to report one (Sharetribe waits two days; a day keeps payouts prompt).
 */
export const DEFAULT_COMPLETION_GRACE_HOURS = 24;
