import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KeyWrapper } from "../ports/key-wrapper.port.js";
import type { SealedSecret } from "../shared/firestore-records.js";

/**
 * Envelope encryption of a coach credential at rest: a fresh data key per secret encrypts it
 * (AES-256-GCM), and the key wrapper (Cloud KMS, or the local keyring) wraps the data key. What
 * is stored is the ciphertext, IV, tag, wrapped key and key version: never the secret. `context`
 * (the coach and which secret) is bound as associated data, so a sealed value copied into
 * another coach's document, or into another field, does not open.
 */
export async function sealSecret(plaintext: string, context: string, keys: KeyWrapper): Promise<SealedSecret> {
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const { wrappedKey, keyVersion } = await keys.wrap(dataKey);
  dataKey.fill(0);
  return {
    alg: "AES-256-GCM",
    ciphertext: ciphertext.toString("base64"),
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    wrappedKey,
    keyVersion,
  };
}

export async function openSecret(sealed: SealedSecret, context: string, keys: KeyWrapper): Promise<string> {
  const dataKey = await keys.unwrap({ wrappedKey: sealed.wrappedKey, keyVersion: sealed.keyVersion });
  const decipher = createDecipheriv("aes-256-gcm", dataKey, Buffer.from(sealed.iv, "base64"));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]).toString("utf8");
  dataKey.fill(0);
  return plaintext;
}

/** The same secret wrapped again under the current key version (its data key and ciphertext unchanged). */
export async function rewrapSecret(sealed: SealedSecret, keys: KeyWrapper): Promise<SealedSecret> {
  const dataKey = await keys.unwrap({ wrappedKey: sealed.wrappedKey, keyVersion: sealed.keyVersion });
  const { wrappedKey, keyVersion } = await keys.wrap(dataKey);
  dataKey.fill(0);
  return { ...sealed, wrappedKey, keyVersion };
}

/** The associated data of one coach's secret: `apiKey` (their Cal.com key) or `webhookSecret`. */
export const secretContext = (coachId: string, field: "apiKey" | "webhookSecret") => `calcom-credential/${coachId}/${field}`;
