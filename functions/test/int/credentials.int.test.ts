import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { accountOfRef, readCalcomCredential, resolveCalcomAccount } from "../../src/core/calcom-accounts.repository.js";
import { rewrapCredentials } from "../../src/core/credential-rewrap.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { calcomCredentialDoc, retiredCalcomAccountDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { TEST_KEYRING, testDependencies } from "../helpers/deps.js";
import { errorOf } from "../helpers/errors.js";
import { useStandIns } from "../helpers/in-process.js";

// Coach credentials at rest: sealed (envelope encryption), still usable across a key rotation,
// re-wrapped under the newest version, and plain ones from before encryption migrated.

const standIns = useStandIns();
const WEBHOOK_URL = "http://127.0.0.1:9/calcomWebhook";
const V2 = Buffer.alloc(32, 2);

/** Dependencies whose keyring holds `versions` (1: the tests' usual key, 2: a new one), the highest wrapping. */
function depsWith(versions: number[]) {
  const keys = new Map<number, Buffer>();
  if (versions.includes(1)) keys.set(1, TEST_KEYRING.get(1) ?? Buffer.alloc(0));
  if (versions.includes(2)) keys.set(2, V2);
  return testDependencies(standIns.calcom, { stripe: standIns.stripe, calcomWebhookUrl: WEBHOOK_URL, credentialsKeyring: keys });
}

async function connectedCoach() {
  const deps = depsWith([1]);
  const own = standIns.calcom.addUser({ email: `${uniqueId("own")}@example.com` });
  const coachId = uniqueId("coach");
  await connectCalcomAccount({ apiKey: own.apiKey }, { uid: coachId, isAdmin: false }, deps);
  const webhookSecret = standIns.calcom.webhooksOf(own.userId)[0]?.secret ?? "";
  return { coachId, own, webhookSecret };
}

/** The stored document as Firestore holds it, as text. */
const storedText = async (coachId: string) => JSON.stringify((await calcomCredentialDoc(coachId).get()).data());
const keyVersionsOf = async (coachId: string) => {
  const stored = (await calcomCredentialDoc(coachId).get()).data();
  return [typeof stored?.apiKey === "string" ? "plain" : stored?.apiKey.keyVersion, stored?.webhookSecret?.keyVersion];
};

describe("a coach's stored Cal.com credential", () => {
  it("holds neither the API key nor the webhook secret in plain text", async () => {
    const { coachId, own, webhookSecret } = await connectedCoach();
    expect(webhookSecret).not.toBe("");
    const text = await storedText(coachId);
    expect(text).not.toContain(own.apiKey);
    expect(text).not.toContain(webhookSecret);
    // Not in base64 either (a stored encoding of the plaintext would be as readable).
    expect(text).not.toContain(Buffer.from(own.apiKey).toString("base64").slice(0, 20));
    expect((await calcomCredentialDoc(coachId).get()).data()).toMatchObject({
      apiKey: { alg: "AES-256-GCM", keyVersion: "local-1" },
      webhookSecret: { alg: "AES-256-GCM", keyVersion: "local-1" },
    });
    expect(await resolveCalcomAccount(coachId, depsWith([1]))).toMatchObject({ mode: "connected", apiKey: own.apiKey });
  });

  it("still opens after a rotation to version 2, is re-wrapped under it, and then needs version 1 no more", async () => {
    const { coachId, own } = await connectedCoach();
    const rotated = depsWith([1, 2]);
    expect(await resolveCalcomAccount(coachId, rotated)).toMatchObject({ apiKey: own.apiKey });
    // Before the re-wrap, version 1 is still needed.
    expect(await errorOf(resolveCalcomAccount(coachId, depsWith([2])))).toMatchObject({ code: "failed-precondition" });

    const report = await rewrapCredentials(rotated.keyWrapper);
    expect(report).toMatchObject({ keyVersion: "local-2", failed: [] });
    expect(report.rewrapped).toBeGreaterThanOrEqual(1);
    expect(await keyVersionsOf(coachId)).toEqual(["local-2", "local-2"]);
    expect(await storedText(coachId)).not.toContain(own.apiKey);
    expect(await resolveCalcomAccount(coachId, depsWith([2]))).toMatchObject({ apiKey: own.apiKey });
    // A new connect under the rotated keyring is wrapped under version 2 from the start.
    await connectCalcomAccount({ apiKey: own.apiKey }, { uid: coachId, isAdmin: false }, rotated);
    expect(await keyVersionsOf(coachId)).toEqual(["local-2", "local-2"]);
  });

  it("does not open in another coach's document (the coach is bound to the ciphertext)", async () => {
    const { coachId } = await connectedCoach();
    const thief = uniqueId("coach");
    const stolen = (await calcomCredentialDoc(coachId).get()).data();
    if (stolen === undefined) throw new Error("no credential stored");
    await calcomCredentialDoc(thief).set(stolen);
    await expect(resolveCalcomAccount(thief, depsWith([1]))).rejects.toThrow();
  });

  it("is read when stored in plain text before encryption, and sealed on its first use", async () => {
    const own = standIns.calcom.addUser({ email: `${uniqueId("old")}@example.com` });
    const coachId = uniqueId("coach");
    await calcomCredentialDoc(coachId).set({
      kind: "apiKey",
      apiKey: own.apiKey,
      calcomUserId: own.userId,
      connectedAt: Timestamp.now(),
      webhookId: null,
      webhookSecret: null,
    });
    expect(await resolveCalcomAccount(coachId, depsWith([1]))).toMatchObject({ mode: "connected", apiKey: own.apiKey });
    expect(await storedText(coachId)).not.toContain(own.apiKey);
    expect(await keyVersionsOf(coachId)).toEqual(["local-1", undefined]);
  });

  it("seals a retired account's plain key in the re-wrap, which still reaches that account", async () => {
    const own = standIns.calcom.addUser({ email: `${uniqueId("left")}@example.com` });
    const coachId = uniqueId("coach");
    const ref = { mode: "connected" as const, calcomUserId: own.userId };
    await retiredCalcomAccountDoc(coachId, ref).set({
      coachId,
      ...ref,
      apiKey: own.apiKey,
      retiredAt: Timestamp.now(),
      eventTypeIdsToRemove: [],
      removalPending: false,
    });
    const deps = depsWith([1, 2]);
    await rewrapCredentials(deps.keyWrapper);
    const stored = (await retiredCalcomAccountDoc(coachId, ref).get()).data();
    expect(JSON.stringify(stored)).not.toContain(own.apiKey);
    expect(stored?.apiKey).toMatchObject({ keyVersion: "local-2" });
    expect(await accountOfRef(coachId, ref, depsWith([2]))).toMatchObject({ apiKey: own.apiKey });
  });
});

describe("a connect that fails after Cal.com took our webhook", () => {
  it("leaves Cal.com signing with the secret we stored: a new key for the same account keeps the coach's secret", async () => {
    const { coachId, own, webhookSecret } = await connectedCoach();
    const deps = depsWith([1]);
    // Sealing fails (KMS unavailable) after the webhook was updated in Cal.com.
    const failing = { ...deps, keyWrapper: { ...deps.keyWrapper, wrap: () => Promise.reject(new Error("KMS unavailable")) } };
    await expect(connectCalcomAccount({ apiKey: own.apiKey }, { uid: coachId, isAdmin: false }, failing)).rejects.toThrow();
    expect(standIns.calcom.webhooksOf(own.userId).map((w) => w.secret)).toEqual([webhookSecret]);
    expect((await readCalcomCredential(coachId, deps.keyWrapper))?.webhookSecret).toBe(webhookSecret);
    // And a rotation that succeeds keeps it too.
    await connectCalcomAccount({ apiKey: own.apiKey }, { uid: coachId, isAdmin: false }, deps);
    expect(standIns.calcom.webhooksOf(own.userId).map((w) => w.secret)).toEqual([webhookSecret]);
  });
});
