/**
 * A refusal the Stripe stand-in answers with Stripe's error envelope:
 * `{ error: { type, code?, param?, message, doc_url? } }` with the HTTP status Stripe uses.
 */
export class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  envelope(): { error: { type: string; message: string; code?: string; param?: string; doc_url?: string } } {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code ? { code: this.code, doc_url: `https://stripe.com/docs/error-codes/${this.code.replaceAll("_", "-")}` } : {}),
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

/** A 400 `invalid_request_error`, the answer to every request Stripe refuses as malformed. */
export function invalidRequest(message: string, param?: string, code?: string): StripeHttpError {
  return new StripeHttpError(400, "invalid_request_error", message, code, param);
}
