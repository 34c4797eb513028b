import { errorCodeOf } from "../domain/errors.js";
import type { KeyWrapper } from "../ports/key-wrapper.port.js";
import { calcomCredentialsCollection, getDb, retiredCalcomAccountsCollection } from "../shared/firestore.js";
import type { SealedSecret } from "../shared/firestore-records.js";
import { log } from "../shared/logger.js";
import { rewrapSecret, sealSecret, secretContext } from "./credential-vault.js";

export interface CredentialRewrap {
  /** The key version every stored credential is now meant to be under. */
  keyVersion: string;
  /** Documents whose secrets were re-wrapped (or sealed, when stored in plain text before encryption). */
  rewrapped: number;
  /** Documents that could not be (their key version not configured, KMS down): tried again next pass. */
  failed: string[];
}

/** A stored secret under the current version: re-wrapped when under another, sealed when plain. */
async function current(value: string | SealedSecret, context: string, version: string, keys: KeyWrapper): Promise<SealedSecret> {
  if (typeof value === "string") return sealSecret(value, context, keys);
  return value.keyVersion === version ? value : rewrapSecret(value, keys);
}

const isCurrent = (value: string | SealedSecret | null, version: string) =>
  value === null || (typeof value !== "string" && value.keyVersion === version);

/**
 * Re-wraps every stored coach credential (current and retired accounts) whose data keys are
 * under an older key version, and seals any still in plain text, so that an old version can be
 * removed from the keyring once a pass reports nothing failed (docs/operations.md, key rotation).
 * Each document is written only if unchanged since it was read (a connect meanwhile wrote its own).
 */
export async function rewrapCredentials(keys: KeyWrapper): Promise<CredentialRewrap> {
  const keyVersion = await keys.currentVersion();
  const out: CredentialRewrap = { keyVersion, rewrapped: 0, failed: [] };
  for (const doc of (await calcomCredentialsCollection().get()).docs) {
    const stored = doc.data();
    if (isCurrent(stored.apiKey, keyVersion) && isCurrent(stored.webhookSecret, keyVersion)) continue;
    try {
      const next = {
        ...stored,
        apiKey: await current(stored.apiKey, secretContext(doc.id, "apiKey"), keyVersion, keys),
        webhookSecret:
          stored.webhookSecret === null
            ? null
            : await current(stored.webhookSecret, secretContext(doc.id, "webhookSecret"), keyVersion, keys),
      };
      const same = (a: unknown) => JSON.stringify(a) === JSON.stringify([stored.apiKey, stored.webhookSecret]);
      await getDb().runTransaction(async (tx) => {
        const latest = (await tx.get(doc.ref)).data();
        if (latest !== undefined && same([latest.apiKey, latest.webhookSecret])) tx.set(doc.ref, next);
      });
      out.rewrapped += 1;
    } catch (err) {
      out.failed.push(`calcomCredentials/${doc.id}`);
      log.error("credentials.rewrap-failed", { coachId: doc.id, code: errorCodeOf(err) });
    }
  }
  for (const doc of (await retiredCalcomAccountsCollection().get()).docs) {
    const stored = doc.data();
    if (isCurrent(stored.apiKey, keyVersion) || stored.apiKey === null) continue;
    try {
      const apiKey = await current(stored.apiKey, secretContext(stored.coachId, "apiKey"), keyVersion, keys);
      await getDb().runTransaction(async (tx) => {
        const latest = (await tx.get(doc.ref)).data();
        if (latest !== undefined && JSON.stringify(latest.apiKey) === JSON.stringify(stored.apiKey)) tx.set(doc.ref, { ...latest, apiKey });
      });
      out.rewrapped += 1;
    } catch (err) {
      out.failed.push(`calcomRetiredAccounts/${doc.id}`);
      log.error("credentials.rewrap-failed", { coachId: stored.coachId, code: errorCodeOf(err) });
    }
  }
  log.info("credentials.rewrapped", { keyVersion, rewrapped: out.rewrapped, failed: out.failed.length });
  return out;
}
