/** What the callable protocol answers: `{ result }` or `{ error: { status, message, details } }`. */
export type CallableResponse<T> =
  | { ok: true; httpStatus: number; result: T }
  | { ok: false; httpStatus: number; error: { status: string; message: string; details?: Record<string, unknown> } };

export function functionsBaseUrl(): string {
  const project = process.env.GCLOUD_PROJECT ?? "demo-coachify";
  return `http://127.0.0.1:5001/${project}/us-central1`;
}

/** Calls a deployed callable through the Functions emulator over HTTP, as a client SDK would. */
export async function callCallable<T = unknown>(name: string, data: unknown, idToken?: string): Promise<CallableResponse<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (idToken) headers.authorization = `Bearer ${idToken}`;
  const res = await fetch(`${functionsBaseUrl()}/${name}`, { method: "POST", headers, body: JSON.stringify({ data }) });
  const body = (await res.json()) as { result?: T; error?: { status: string; message: string; details?: Record<string, unknown> } };
  if (body.error) return { ok: false, httpStatus: res.status, error: body.error };
  return { ok: true, httpStatus: res.status, result: body.result as T };
}
