/**
 * What every benchmark section shares: the emulated backend reached as a client app reaches it
 * (callables over HTTP with Auth-emulator tokens), the two stand-ins in this process (so their
 * request logs are the far end's own view), and Firestore read through the Admin SDK.
 */
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { CallableError, call, localEndpoints, readDoc, signIn, type Endpoints, type User } from "../demo/demo-client.js";
import { FakeCalcom } from "../test/stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../test/stand-ins/fake-stripe.server.js";

/** The secrets of functions/.secret.local.example, which the emulated functions use. */
export const STRIPE_WEBHOOK_SECRET = "whsec_standin_webhook_secret";
export const CALCOM_WEBHOOK_SECRET = "calcom_standin_webhook_secret";

const EVERY_DAY = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => ({
  day,
  startTime: "00:00",
  endTime: "23:59",
}));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Bench {
  e: Endpoints;
  calcom: FakeCalcom;
  stripe: FakeStripe;
  db: Firestore;
  log: (line: string) => void;
}

export async function startBench(log: (line: string) => void): Promise<Bench> {
  const e = localEndpoints();
  // Far enough above the traffic that the latency sections never meet it; the simulation sets its own.
  const calcom = await FakeCalcom.start({ port: 5601, rateLimit: { limit: 1_000_000, windowMs: 60_000, blockMs: 60_000 } });
  const stripe = await FakeStripe.start({ port: 5602 });
  if (getApps().length === 0) initializeApp({ projectId: e.project });
  return { e, calcom, stripe, db: getFirestore(), log };
}

export async function stopBench(b: Bench): Promise<void> {
  await b.calcom.stop();
  await b.stripe.stop();
}

/** Signs up `count` users named `<prefix>-<i>` a few at a time. */
export async function users(b: Bench, prefix: string, count: number): Promise<User[]> {
  const out: User[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, k) => signIn(b.e, `${prefix}-${i + k}@bench.coachify.test`));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

export interface Coach {
  user: User;
  eventTypeId: number;
  offeringId: string;
}

/** A coach free every day all day (UTC) with one 60-minute offering, its Cal.com event type made. */
export async function readyCoach(b: Bench, email: string, priceCents = 5_000): Promise<Coach> {
  const user = await signIn(b.e, email);
  await call(b.e, "syncAvailability", { coachId: user.uid, availability: { timeZone: "UTC", slots: EVERY_DAY } }, user);
  await call(
    b.e,
    "saveOffering",
    { offering: { id: "sixty", title: "60 min session", durationMinutes: 60, priceCents, currency: "eur" } },
    user,
  );
  const eventTypeId = await waitFor(
    `${email}'s event type`,
    async () => {
      const doc = await readDoc(b.e, `coaches/${user.uid}`, user);
      const offering = ((doc?.customOfferings ?? []) as { id: string; calcomEventTypeId: number | null }[]).find((o) => o.id === "sixty");
      return offering?.calcomEventTypeId ?? undefined;
    },
    120_000,
  );
  return { user, eventTypeId, offeringId: "sixty" };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; code: string; message: string; ms: number };

/** Calls a callable and times it from the client's side (request sent to answer parsed). */
export async function timedCall<T>(b: Bench, name: string, data: unknown, user: User): Promise<Outcome<T>> {
  const started = performance.now();
  try {
    const value = await call<T>(b.e, name, data, user);
    return { ok: true, value, ms: performance.now() - started };
  } catch (err) {
    const ms = performance.now() - started;
    if (err instanceof CallableError) return { ok: false, code: err.status, message: err.message, ms };
    return { ok: false, code: "transport", message: err instanceof Error ? err.message : String(err), ms };
  }
}

/** Posts a raw webhook body with its signature header and times it. */
export async function timedPost(url: string, rawBody: string, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: rawBody });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

/** Every far-end request either stand-in has seen, as one log (what, epoch ms, duration). */
export interface FarEndCall {
  what: string;
  at: number;
  durationMs: number;
}

export function farEndCalls(b: Bench): FarEndCall[] {
  return [
    ...b.calcom.requests.map((r) => ({ what: r.operationId ?? `${r.method} ${r.path}`, at: r.at, durationMs: r.durationMs })),
    ...b.stripe.requests.map((r) => ({
      what: `${r.method} ${r.path.replace(/\/(cs|pi|re|ch)_test_[0-9a-f]+/, "/{id}")}`,
      at: r.at,
      durationMs: r.durationMs,
    })),
  ];
}

/** Waits until neither stand-in has seen a request for `quietMs`. */
export async function quiet(b: Bench, quietMs = 500, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    "the far ends to go quiet",
    () => {
      const last = Math.max(0, ...farEndCalls(b).map((c) => c.at));
      return Promise.resolve(Date.now() - last >= quietMs ? true : undefined);
    },
    timeoutMs,
    100,
  );
}

export async function bookingDoc(b: Bench, id: string): Promise<Record<string, unknown>> {
  const snap = await b.db.collection("bookings").doc(id).get();
  return snap.data() ?? {};
}

/** The first free 60-minute start of `coach` on day `dayOffset` at `hour` UTC (whole hours, days ahead of now). */
export function slotAt(dayOffset: number, hour: number): { startTime: string; endTime: string } {
  const day = new Date(Date.now() + dayOffset * DAY);
  const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour);
  return { startTime: new Date(start).toISOString(), endTime: new Date(start + HOUR).toISOString() };
}

export function isoDay(dayOffset: number): string {
  return new Date(Date.now() + dayOffset * DAY).toISOString().slice(0, 10);
}
