/**
 * What a client app has: the callables over HTTP (the callable protocol), Auth-emulator sign-in,
 * Firestore reads with the user's own ID token (security rules apply), and, for the local run
 * only, the Stripe stand-in's test-only "pay" route standing in for the student's card.
 */
export interface Endpoints {
  functions: string; // http://127.0.0.1:5001/<project>/us-central1
  auth: string; // 127.0.0.1:9099
  firestore: string; // 127.0.0.1:8080
  project: string;
  stripeStandIn: string; // http://127.0.0.1:5602
  mailViewer: string; // http://127.0.0.1:5605: the local mail catcher's viewer
}

export function localEndpoints(project = process.env.GCLOUD_PROJECT ?? "demo-coachify"): Endpoints {
  return {
    functions: `http://127.0.0.1:5001/${project}/us-central1`,
    auth: process.env.FIREBASE_AUTH_EMULATOR_HOST ?? "127.0.0.1:9099",
    firestore: process.env.FIRESTORE_EMULATOR_HOST ?? "127.0.0.1:8080",
    project,
    stripeStandIn: "http://127.0.0.1:5602",
    mailViewer: "http://127.0.0.1:5605",
  };
}

export class CallableError extends Error {
  constructor(
    readonly status: string,
    message: string,
    readonly details: unknown,
  ) {
    super(`${status}: ${message}`);
  }
}

export interface User {
  uid: string;
  idToken: string;
  email: string;
}

async function authCall(e: Endpoints, action: "signUp" | "signInWithPassword", email: string, password: string) {
  const res = await fetch(`http://${e.auth}/identitytoolkit.googleapis.com/v1/accounts:${action}?key=demo-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  return { ok: res.ok, body: (await res.json()) as { localId?: string; idToken?: string; error?: { message?: string } } };
}

/**
 * Marks an Auth-emulator account's email verified, standing in for the person following the
 * verification link (the emulator takes `Bearer owner` as the project's admin). A coach's first
 * sync in organization mode needs it.
 */
export async function verifyEmail(authHost: string, project: string, uid: string): Promise<void> {
  const res = await fetch(`http://${authHost}/identitytoolkit.googleapis.com/v1/projects/${project}/accounts:update`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer owner" },
    body: JSON.stringify({ localId: uid, emailVerified: true }),
  });
  if (!res.ok) throw new Error(`Auth emulator refused to verify ${uid}: ${res.status} ${await res.text()}`);
}

/**
 * Gives an Auth-emulator account the `admin` claim (an operator would set it with the Admin SDK)
 * and signs it in again, so that its ID token carries the claim.
 */
export async function signInAsAdmin(e: Endpoints, email: string): Promise<User> {
  const user = await signIn(e, email);
  const res = await fetch(`http://${e.auth}/identitytoolkit.googleapis.com/v1/projects/${e.project}/accounts:update`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer owner" },
    body: JSON.stringify({ localId: user.uid, customAttributes: JSON.stringify({ admin: true }) }),
  });
  if (!res.ok) throw new Error(`Auth emulator refused to make ${email} an admin: ${res.status} ${await res.text()}`);
  return signIn(e, email);
}

/** Signs in with the Auth emulator, creating the account (its email verified) the first time. */
export async function signIn(e: Endpoints, email: string, password = "demo-password-123"): Promise<User> {
  let out = await authCall(e, "signInWithPassword", email, password);
  const created = !out.ok;
  if (created) out = await authCall(e, "signUp", email, password);
  if (!out.ok || !out.body.localId || !out.body.idToken)
    throw new Error(`Auth emulator refused ${email}: ${out.body.error?.message ?? "unknown"}`);
  if (created) await verifyEmail(e.auth, e.project, out.body.localId);
  return { uid: out.body.localId, idToken: out.body.idToken, email };
}

export async function call<T>(e: Endpoints, name: string, data: unknown, user: User): Promise<T> {
  const res = await fetch(`${e.functions}/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.idToken}` },
    body: JSON.stringify({ data }),
  });
  const body = (await res.json()) as { result?: T; error?: { status: string; message: string; details?: unknown } };
  if (body.error) throw new CallableError(body.error.status, body.error.message, body.error.details);
  return body.result as T;
}

type FirestoreValue = {
  stringValue?: string;
  integerValue?: string;
  doubleValue?: number;
  booleanValue?: boolean;
  nullValue?: null;
  timestampValue?: string;
  mapValue?: { fields?: Record<string, FirestoreValue> };
  arrayValue?: { values?: FirestoreValue[] };
};

function plain(v: FirestoreValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.integerValue !== undefined) return Number(v.integerValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.booleanValue !== undefined) return v.booleanValue;
  if (v.timestampValue !== undefined) return v.timestampValue;
  if (v.mapValue) return Object.fromEntries(Object.entries(v.mapValue.fields ?? {}).map(([k, x]) => [k, plain(x)]));
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  return null;
}

/** Reads a document as the signed-in user (the rules decide), as plain JSON. */
/** The emails the local mail catcher holds about one booking: those whose calendar file is that booking's. */
export async function caughtEmailsOf(e: Endpoints, bookingId: string): Promise<{ to: string[]; subject: string }[]> {
  const res = await fetch(`${e.mailViewer}/messages.json`);
  if (!res.ok) throw new Error(`the mail catcher answered ${res.status}`);
  const all = (await res.json()) as { to: string[]; subject: string; attachments: { content: string }[] }[];
  return all.filter((m) => m.attachments.some((a) => a.content.includes(`UID:booking-${bookingId}@`)));
}

export async function readDoc(e: Endpoints, path: string, user: User): Promise<Record<string, unknown> | null> {
  const res = await fetch(`http://${e.firestore}/v1/projects/${e.project}/databases/(default)/documents/${path}`, {
    headers: { authorization: `Bearer ${user.idToken}` },
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`reading ${path}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { fields?: Record<string, FirestoreValue> };
  return Object.fromEntries(Object.entries(body.fields ?? {}).map(([k, v]) => [k, plain(v)]));
}

/** The local Stripe stand-in's test-only route: the student pays an open Checkout Session. */
export async function payWithStandIn(e: Endpoints, sessionId: string): Promise<void> {
  const res = await fetch(`${e.stripeStandIn}/__standin/checkout/sessions/${encodeURIComponent(sessionId)}/pay`, { method: "POST" });
  if (!res.ok) throw new Error(`the Stripe stand-in refused to pay ${sessionId}: ${res.status} ${await res.text()}`);
}
