import type { Request } from "firebase-functions/v2/https";

/**
 * The part of a request a webhook reads: the method, a header, the raw bytes (a signature covers
 * the bytes, never a parsed body) and the query when there is one. A plain function of it is what in-process tests call.
 */
export type RawRequest = Pick<Request, "method" | "rawBody" | "header"> & Partial<Pick<Request, "query">>;

/** What an HTTP endpoint answers; its `*.function.ts` writes it as the status and a JSON body. */
export interface HttpResponse {
  status: number;
  body: Record<string, unknown>;
}
