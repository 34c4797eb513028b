import { onCall, type CallableOptions, type CallableRequest } from "firebase-functions/v2/https";
import type { z } from "zod";
import { AppError } from "../domain/errors.js";
import { log } from "./logger.js";

export interface CallerContext {
  /** The caller's Auth uid, or null for an anonymous call to a public callable. */
  uid: string | null;
  /** True when the caller's ID token carries the `admin` custom claim. */
  isAdmin: boolean;
}

/** The caller's uid or an `auth/unauthenticated` error. */
export function requireUid(ctx: CallerContext): string {
  if (ctx.uid === null) throw new AppError("auth/unauthenticated", "Sign in to do this.");
  return ctx.uid;
}

export function callerFrom(request: Pick<CallableRequest, "auth">): CallerContext {
  // The Functions emulator does not verify tokens and can hand us an auth with no uid: treat
  // an empty uid as anonymous rather than trusting it.
  const uid = request.auth?.uid;
  const validUid = typeof uid === "string" && uid.length > 0 ? uid : null;
  return { uid: validUid, isAdmin: validUid !== null && request.auth?.token.admin === true };
}

export interface CallableHandler<S extends z.ZodType, R> {
  input: S;
  handler: (input: z.output<S>, caller: CallerContext) => Promise<R>;
}

export interface CallableSpec<S extends z.ZodType, R> {
  name: string;
  /** "required": anonymous callers get `unauthenticated` before the input is read. */
  auth: "required" | "optional";
  options?: CallableOptions;
  /**
   * The schema and the handler, imported on the first call rather than when the module loads: a
   * new instance pays at start-up only for firebase-functions, and then only for the modules its
   * own function needs (cold start, BENCHMARKS.md).
   */
  load: () => Promise<CallableHandler<S, R>>;
}

/**
 * A thin onCall entry point: authenticate, parse the input with its zod schema, run the handler,
 * map errors to HttpsError. The handler is also exported for in-process tests and the REST API.
 */
export function defineCallable<S extends z.ZodType, R>(spec: CallableSpec<S, R>) {
  let loaded: Promise<CallableHandler<S, R>> | undefined;
  return onCall<unknown, Promise<R>>(spec.options ?? {}, async (request) => {
    try {
      const caller = callerFrom(request);
      if (spec.auth === "required") requireUid(caller);
      loaded ??= spec.load();
      const { input, handler } = await loaded;
      return await handler(input.parse(request.data), caller);
    } catch (err) {
      const { toHttpsError } = await import("./errors.js");
      const mapped = toHttpsError(err);
      if (mapped === err && !(err instanceof Error && err.name === "HttpsError")) {
        log.error("callable.failed", { callable: spec.name }, err);
      }
      throw mapped;
    }
  });
}
