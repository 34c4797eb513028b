import type { Request } from "firebase-functions/v2/https";

/**
 * The part of a request a webhook reads: the method, a header and the raw bytes (a signature covers
 * the bytes, never a parsed body). A plain function of it is what in-process tests call.
 */
export type RawRequest = Pick<Request, "method" | "rawBody" | "header">;

/** What an HTTP endpoint answers; its `*.function.ts` writes it as the status and a JSON body. */
export interface HttpResponse {
  status: number;
  body: Record<string, unknown>;
}
