import type { z } from "zod";
import { CalcomApiError, kindForStatus } from "./calcom-errors.js";
import { CalcomErrorEnvelopeSchema, successEnvelope } from "./calcom.schemas.js";

/** The `cal-api-version` of each endpoint family; without it Cal.com routes to old endpoints. */
export const CAL_API_VERSIONS = {
  bookings: "2024-08-13",
  slots: "2024-09-04",
  eventTypes: "2024-06-14",
  schedules: "2024-06-11",
} as const;
export type CalApiVersion = (typeof CAL_API_VERSIONS)[keyof typeof CAL_API_VERSIONS];

export interface CalcomClientOptions {
  baseUrl: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest we wait for a rate-limit window to reset before giving up with `rate-limited`. */
  maxRateLimitWaitMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Epoch ms: the clock a rate-limit block is measured by. */
  now?: () => number;
}

export interface CalcomRequest<T> {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path below the base URL, starting with `/` (the base URL ends in `/v2`). */
  path: string;
  version?: CalApiVersion;
  /** Bearer API key or access token; null for public endpoints. */
  credential: string | null;
  query?: Record<string, string | number | readonly string[] | undefined>;
  body?: unknown;
  data: z.ZodType<T>;
}

export interface CalcomCallRecord {
  method: string;
  path: string;
  status: number | null;
  attempts: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A small fetch-based Cal.com API v2 client: Bearer credential, the `cal-api-version` of each
 * call, a timeout per attempt, the `{status, data}` envelope parsed with zod, and retries:
 * - 429: Cal.com sends no Retry-After; we wait for the `X-RateLimit-Reset-*` seconds it gives
 *   (plus jitter), since a rejected call was not applied;
 * - 5xx and network failures: exponential backoff with full jitter;
 * - a timeout is retried for GET only: a write that timed out may have been applied, and the
 *   caller's recorded-outcome guard decides what to do next;
 * - other 4xx are final.
 */
export class CalcomClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  /**
   * Until when Cal.com has blocked each credential (its key, or "anonymous" for the public
   * calls), learnt from a 429: calls inside the block would only meet another 429 and count
   * against the budget, so they wait it out (when short) or fail at once as rate limited.
   */
  private readonly blockedUntil = new Map<string, number>();
  /** Every call made, for the benchmarks' calls-per-operation figures and for tests. */
  readonly calls: CalcomCallRecord[] = [];

  constructor(options: CalcomClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 4_000;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 5_000;
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  async request<T>(req: CalcomRequest<T>): Promise<T> {
    const url = this.url(req);
    const headers: Record<string, string> = { accept: "application/json" };
    if (req.credential !== null) headers.authorization = `Bearer ${req.credential}`;
    if (req.version) headers["cal-api-version"] = req.version;
    if (req.body !== undefined) headers["content-type"] = "application/json";
    const record: CalcomCallRecord = { method: req.method, path: req.path, status: null, attempts: 0 };
    this.calls.push(record);

    const tracker = req.credential ?? "anonymous";
    for (let attempt = 1; ; attempt++) {
      record.attempts = attempt;
      const last = attempt >= this.maxAttempts;
      const blockedMs = (this.blockedUntil.get(tracker) ?? 0) - this.now();
      if (blockedMs > 0) {
        if (last || blockedMs > this.maxRateLimitWaitMs) {
          throw new CalcomApiError(
            "rate-limited",
            `Cal.com's rate limit blocks ${req.method} ${req.path} for ${Math.ceil(blockedMs / 1000)} s more`,
            { status: 429, resetSeconds: Math.ceil(blockedMs / 1000) },
          );
        }
        await this.sleep(blockedMs);
        this.blockedUntil.delete(tracker);
      }
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method: req.method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        if (timedOut && (req.method !== "GET" || last)) {
          throw new CalcomApiError("timeout", `Cal.com did not answer ${req.method} ${req.path} within ${this.timeoutMs} ms`, {
            cause: err,
          });
        }
        if (last) throw new CalcomApiError("unavailable", `Cal.com could not be reached for ${req.method} ${req.path}`, { cause: err });
        await this.sleep(this.backoff(attempt));
        continue;
      }
      record.status = res.status;
      const text = await res.text();
      if (res.ok) return this.parseSuccess(req, text);

      const error = this.errorFrom(req, res, text);
      if (error.kind === "rate-limited") this.blockedUntil.set(tracker, this.now() + (error.resetSeconds ?? 1) * 1000);
      if (error.kind === "rate-limited" && !last) {
        const waitMs = (error.resetSeconds ?? 1) * 1000 + Math.floor(this.random() * this.baseDelayMs);
        if (waitMs <= this.maxRateLimitWaitMs) {
          await this.sleep(waitMs);
          this.blockedUntil.delete(tracker);
          continue;
        }
      }
      if (error.kind === "unavailable" && !last) {
        await this.sleep(this.backoff(attempt));
        continue;
      }
      throw error;
    }
  }

  private url(req: CalcomRequest<unknown>): string {
    const url = new URL(this.baseUrl + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(key, Array.isArray(value) ? value.join(",") : String(value));
    }
    return url.toString();
  }

  /** Full jitter: a random delay up to min(max, base * 2^(attempt-1)). */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }

  private parseSuccess<T>(req: CalcomRequest<T>, text: string): T {
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch (err) {
      throw new CalcomApiError("invalid-response", `Cal.com answered ${req.method} ${req.path} with something other than JSON`, {
        cause: err,
      });
    }
    const parsed = successEnvelope(req.data).safeParse(json);
    if (!parsed.success) {
      throw new CalcomApiError("invalid-response", `Cal.com's answer to ${req.method} ${req.path} did not match the expected shape`, {
        cause: parsed.error,
      });
    }
    return parsed.data.data;
  }

  private errorFrom(req: CalcomRequest<unknown>, res: Response, text: string): CalcomApiError {
    let calcomCode: string | null = null;
    let calcomMessage: string | null = null;
    try {
      const envelope = CalcomErrorEnvelopeSchema.safeParse(JSON.parse(text));
      if (envelope.success) {
        calcomCode = envelope.data.code;
        calcomMessage = envelope.data.message;
      }
    } catch {
      // Not JSON: keep the status alone.
    }
    return new CalcomApiError(kindForStatus(res.status), `Cal.com answered ${req.method} ${req.path} with ${res.status}`, {
      status: res.status,
      calcomCode,
      calcomMessage,
      resetSeconds: res.status === 429 ? rateLimitResetSeconds(res.headers) : null,
    });
  }
}

/**
 * Seconds until the blocking rate-limit window resets: the largest `X-RateLimit-Reset-<Name>`
 * among the windows whose remaining count is 0 (or among all when none says so).
 */
export function rateLimitResetSeconds(headers: Headers): number | null {
  const resets: { name: string; seconds: number }[] = [];
  const exhausted = new Set<string>();
  headers.forEach((value, key) => {
    const lower = key.toLowerCase();
    if (lower.startsWith("x-ratelimit-reset-")) {
      const seconds = Number(value);
      if (Number.isFinite(seconds) && seconds >= 0) resets.push({ name: lower.slice("x-ratelimit-reset-".length), seconds });
    } else if (lower.startsWith("x-ratelimit-remaining-") && Number(value) <= 0) {
      exhausted.add(lower.slice("x-ratelimit-remaining-".length));
    }
  });
  const relevant = resets.some((r) => exhausted.has(r.name)) ? resets.filter((r) => exhausted.has(r.name)) : resets;
  if (relevant.length === 0) return null;
  return Math.max(...relevant.map((r) => r.seconds));
}
