import { verifyEmail } from "../../demo/demo-client.js";

/**
 * Creates a user in the Auth emulator, its email verified (a coach's first sync in organization
 * mode needs it), and returns a real (emulator-signed) ID token.
 */
export async function signUp(email: string, password = "password-123"): Promise<{ uid: string; idToken: string }> {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  if (!host) throw new Error("FIREBASE_AUTH_EMULATOR_HOST is not set");
  const res = await fetch(`http://${host}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  if (!res.ok) throw new Error(`Auth emulator sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { localId: string; idToken: string };
  await verifyEmail(host, process.env.GCLOUD_PROJECT ?? "demo-coachify", body.localId);
  return { uid: body.localId, idToken: body.idToken };
}
