/** What went wrong talking to Cal.com, by kind, so callers branch on types and never on text. */
export type CalcomErrorKind =
  | "not-configured" // no API key or credential
  | "unauthorized" // 401/403: the key or token was refused
  | "not-found" // 404
  | "conflict" // 409: the record exists (e.g. the same slug, the same email, the same accepted slot)
  | "bad-request" // other 4xx: Cal.com refused the request
  | "rate-limited" // 429 after our retries
  | "unavailable" // 5xx after our retries, or a network failure
  | "timeout" // no answer within the timeout
  | "invalid-response"; // an answer that does not match the envelope we expect

export class CalcomApiError extends Error {
  readonly kind: CalcomErrorKind;
  readonly status: number | null;
  /** Cal.com's `error.code` (an exception name such as BadRequestException) and message. */
  readonly calcomCode: string | null;
  readonly calcomMessage: string | null;
  /** Seconds until the rate-limit window resets, from `X-RateLimit-Reset-*`. */
  readonly resetSeconds: number | null;

  constructor(
    kind: CalcomErrorKind,
    message: string,
    init: {
      status?: number | null;
      calcomCode?: string | null;
      calcomMessage?: string | null;
      resetSeconds?: number | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "CalcomApiError";
    this.kind = kind;
    this.status = init.status ?? null;
    this.calcomCode = init.calcomCode ?? null;
    this.calcomMessage = init.calcomMessage ?? null;
    this.resetSeconds = init.resetSeconds ?? null;
  }
}

export function kindForStatus(status: number): CalcomErrorKind {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not-found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate-limited";
  if (status >= 500) return "unavailable";
  return "bad-request";
}
