import { onCall, type CallableOptions, type CallableRequest } from "firebase-functions/v2/https";
import type { z } from "zod";
import { callableGuards } from "../config/callable-guards.js";
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
  /**
   * The App Check token of a call is good for that call only (replay protection): the platform
   * consumes it, and a token already consumed is refused. For the calls that commit money or a
   * calendar; the app must send a limited-use token (`limitedUseAppCheckTokens: true`).
   */
  replayProtected?: boolean;
  options?: CallableOptions;
  /**
   * The schema and the handler, imported on the first call rather than when the module loads: a
   * new instance pays at start-up only for firebase-functions, and then only for the modules its
   * own function needs (cold start, BENCHMARKS.md).
   */
  load: () => Promise<CallableHandler<S, R>>;
}

/**
 * Refuses a call without a valid App Check token while enforcement is on (the platform verified
 * any token sent and set `request.app` only for a valid one), and a replayed one where the spec
 * asks for replay protection.
 */
function checkAppCheck(request: Pick<CallableRequest, "app">, enforced: boolean, replayProtected: boolean): void {
  if (!enforced) return;
  if (request.app === undefined) {
    throw new AppError("auth/app-check", "This app could not be verified (App Check). Update the app, or try again from it.");
  }
  if (replayProtected && request.app.alreadyConsumed === true) {
    throw new AppError("auth/app-check-replayed", "This request was already made once. Try again from the app.");
  }
}

/** Whose budget a call spends: the account's, or for an anonymous call the caller's address. */
export function rateLimitKey(caller: CallerContext, ip: string | undefined): string {
  return caller.uid !== null ? `uid:${caller.uid}` : `ip:${ip ?? "unknown"}`;
}

/**
 * A thin onCall entry point: App Check, authenticate, spend the caller's rate budget, parse the
 * input with its zod schema, run the handler, map errors to HttpsError. The handler is also
 * exported for in-process tests and the REST API.
 */
export function defineCallable<S extends z.ZodType, R>(spec: CallableSpec<S, R>) {
  let loaded: Promise<CallableHandler<S, R>> | undefined;
  const options: CallableOptions = { ...spec.options, ...(spec.replayProtected ? { consumeAppCheckToken: true } : {}) };
  return onCall<unknown, Promise<R>>(options, async (request) => {
    try {
      const guards = callableGuards();
      checkAppCheck(request, guards.appCheckEnforced, spec.replayProtected === true);
      const caller = callerFrom(request);
      if (spec.auth === "required") requireUid(caller);
      // Loaded on the first call, as the handler is: loading the function needs no Firestore.
      const { spendCall } = await import("./rate-limit.js");
      await spendCall(rateLimitKey(caller, request.rawRequest.ip), guards.rateLimit, new Date(), caller.uid);
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
