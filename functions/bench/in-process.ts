/**
 * The deployed callables run in the benchmark's own process (the same onCall wrapper and code,
 * against the emulated Firestore and the stand-ins), for the sections whose concurrency the
 * Functions emulator cannot carry on a small machine: it starts one Node process per concurrent
 * request. The emulated triggers, webhooks and task queue still do their part.
 */
import type { User } from "../demo/demo-client.js";
import type { Bench, Outcome } from "./harness.js";

/** Points the process-wide dependencies of in-process callables at the stand-ins. */
export function useStandInsInProcess(b: Bench): void {
  Object.assign(process.env, {
    CALCOM_API_URL: b.calcom.url,
    CALCOM_API_KEY: b.calcom.orgAdminKey,
    CALCOM_ORGANIZATION_ID: String(b.calcom.orgId),
    CALCOM_TEAM_ID: String(b.calcom.teamId),
    STRIPE_SECRET_KEY: "sk_test_standin",
    STRIPE_API_BASE_URL: b.stripe.url,
    APP_URL: "http://localhost:3000",
    // The configuration honours STRIPE_API_BASE_URL only under the emulator.
    FUNCTIONS_EMULATOR: "true",
  });
}

/** Runs a deployed callable as the platform would for `user`, timed. */
export async function runCallable<T>(callable: unknown, data: unknown, user: User): Promise<Outcome<T>> {
  const fn = callable as { run(request: unknown): Promise<T> };
  const started = performance.now();
  try {
    const value = await fn.run({ data, auth: { uid: user.uid, token: { uid: user.uid } }, rawRequest: { headers: {} } });
    return { ok: true, value, ms: performance.now() - started };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return { ok: false, code: typeof e.code === "string" ? e.code : "internal", message: String(e.message), ms: performance.now() - started };
  }
}
