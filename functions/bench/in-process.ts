/**
 * The deployed callables run in the benchmark's own process (the same onCall wrapper and code,
 * against the emulated Firestore and the stand-ins), for the sections whose concurrency the
 * Functions emulator cannot carry on a small machine: it starts one Node process per concurrent
 * request. The emulated triggers, webhooks and task queue still do their part.
 */
import type { User } from "../demo/demo-client.js";
import { invoke, useStandInsForDeployedCode, type CallableName } from "../test/helpers/callables.js";
import type { Bench, Outcome } from "./harness.js";

/** Points the process-wide dependencies of in-process callables at the stand-ins. */
export function useStandInsInProcess(b: Bench): void {
  useStandInsForDeployedCode(b.calcom, b.stripe);
  // The configuration honours STRIPE_API_BASE_URL only under the emulator.
  process.env.FUNCTIONS_EMULATOR = "true";
}

/** Runs a deployed callable as the platform would for `user`, timed. */
export async function runCallable<T>(name: CallableName, data: unknown, user: User): Promise<Outcome<T>> {
  const started = performance.now();
  const out = await invoke(name, data, { uid: user.uid });
  const ms = performance.now() - started;
  return out.ok ? { ok: true, value: out.value as T, ms } : { ...out, ms };
}
