import type { Timestamp } from "firebase-admin/firestore";
import type { AppConfig } from "../config/runtime-config.js";
import { CALCOM_KEY_MISSING_MESSAGE, type CalcomAccountRef } from "../domain/calcom-account.js";
import { AppError, errorCodeOf } from "../domain/errors.js";
import type { Dependencies } from "../ports/dependencies.js";
import type { KeyWrapper } from "../ports/key-wrapper.port.js";
import {
  calcomCredentialDoc,
  calcomCredentialsCollection,
  getDb,
  retiredCalcomAccountDoc,
  retiredCalcomAccountsCollection,
} from "../shared/firestore.js";
import type { CalcomCredential, RetiredCalcomAccount, SealedSecret } from "../shared/firestore-records.js";
import { log } from "../shared/logger.js";
import type { CalcomAccount } from "../ports/scheduling.port.js";
import { openSecret, sealSecret, secretContext } from "./credential-vault.js";

/** What reaching a coach's Cal.com account needs: the configuration, and the key wrapper that opens stored keys. */
export type CalcomAccess = Pick<Dependencies, "config" | "keyWrapper">;

/** A coach's credential opened for use: held in memory only, never stored, logged or returned so. */
export interface OpenCalcomCredential {
  apiKey: string;
  calcomUserId: number;
  connectedAt: Timestamp;
  webhookId: number | null;
  /** The secret Cal.com signs this coach's deliveries with; null when none was registered. */
  webhookSecret: string | null;
}

/** A stored API key sealed for `coachId` (a plain one, stored before encryption, sealed now). */
export async function sealedApiKey(coachId: string, apiKey: string | SealedSecret, keys: KeyWrapper): Promise<SealedSecret> {
  return typeof apiKey === "string" ? sealSecret(apiKey, secretContext(coachId, "apiKey"), keys) : apiKey;
}

/** A stored API key opened (a plain one is one stored before encryption). */
export async function openApiKey(coachId: string, apiKey: string | SealedSecret, keys: KeyWrapper): Promise<string> {
  return typeof apiKey === "string" ? apiKey : openSecret(apiKey, secretContext(coachId, "apiKey"), keys);
}

/** Stores a coach's credential, its key and webhook secret sealed. */
export async function saveCalcomCredential(coachId: string, credential: OpenCalcomCredential, keys: KeyWrapper): Promise<void> {
  const stored: CalcomCredential = {
    kind: "apiKey",
    apiKey: await sealSecret(credential.apiKey, secretContext(coachId, "apiKey"), keys),
    calcomUserId: credential.calcomUserId,
    connectedAt: credential.connectedAt,
    webhookId: credential.webhookId,
    webhookSecret:
      credential.webhookSecret === null ? null : await sealSecret(credential.webhookSecret, secretContext(coachId, "webhookSecret"), keys),
  };
  await calcomCredentialDoc(coachId).set(stored);
}

async function openCredential(coachId: string, stored: CalcomCredential, keys: KeyWrapper): Promise<OpenCalcomCredential> {
  return {
    apiKey: await openApiKey(coachId, stored.apiKey, keys),
    calcomUserId: stored.calcomUserId,
    connectedAt: stored.connectedAt,
    webhookId: stored.webhookId,
    webhookSecret:
      stored.webhookSecret === null ? null : await openSecret(stored.webhookSecret, secretContext(coachId, "webhookSecret"), keys),
  };
}

/**
 * A key stored in plain text (before encryption) is sealed in place on its first use, unless the
 * document changed meanwhile (a new connect wrote its own, sealed).
 */
async function sealLegacyKey(coachId: string, plain: string, keys: KeyWrapper): Promise<void> {
  const sealed = await sealSecret(plain, secretContext(coachId, "apiKey"), keys);
  const ref = calcomCredentialDoc(coachId);
  await getDb().runTransaction(async (tx) => {
    const latest = (await tx.get(ref)).data();
    if (latest?.apiKey === plain) tx.set(ref, { ...latest, apiKey: sealed });
  });
  log.info("calcom.credential-sealed", { coachId });
}

/** The coach's credential opened, or null when they have connected none. */
export async function readCalcomCredential(coachId: string, keys: KeyWrapper): Promise<OpenCalcomCredential | null> {
  const stored = (await calcomCredentialDoc(coachId).get()).data();
  if (stored === undefined) return null;
  if (typeof stored.apiKey === "string") await sealLegacyKey(coachId, stored.apiKey, keys);
  return openCredential(coachId, stored, keys);
}

export async function readRetiredAccount(coachId: string, ref: CalcomAccountRef): Promise<RetiredCalcomAccount | null> {
  return (await retiredCalcomAccountDoc(coachId, ref).get()).data() ?? null;
}

/** Every connected credential opened (a reconciliation poll goes through each), by coach; one that does not open is logged and left out. */
export async function listConnectedCredentials(keys: KeyWrapper): Promise<{ coachId: string; credential: OpenCalcomCredential }[]> {
  const snaps = await calcomCredentialsCollection().get();
  const out: { coachId: string; credential: OpenCalcomCredential }[] = [];
  for (const d of snaps.docs) {
    try {
      out.push({ coachId: d.id, credential: await openCredential(d.id, d.data(), keys) });
    } catch (err) {
      log.error("calcom.credential-unreadable", { coachId: d.id, code: errorCodeOf(err) });
    }
  }
  return out;
}

/** Retired accounts with event types of ours still to remove (a failed removal is retried by reconciliation). */
export async function listRetiredWithEventTypes(): Promise<RetiredCalcomAccount[]> {
  const snaps = await retiredCalcomAccountsCollection().where("removalPending", "==", true).limit(100).get();
  return snaps.docs.map((d) => d.data());
}

export function connectedAccount(credential: Pick<OpenCalcomCredential, "apiKey" | "calcomUserId">): CalcomAccount & { mode: "connected" } {
  return { mode: "connected", apiKey: credential.apiKey, calcomUserId: credential.calcomUserId };
}

/** The marketplace's organization, or null when none is configured (connected accounts only). */
export function organizationAccount(config: AppConfig): CalcomAccount | null {
  if (config.calcomApiKey === null || config.calcomOrganizationId === null || config.calcomTeamId === null) return null;
  return { mode: "organization", apiKey: config.calcomApiKey, orgId: config.calcomOrganizationId, teamId: config.calcomTeamId };
}

function requireOrganization(config: AppConfig, withoutOrganization: string): CalcomAccount {
  if (config.calcomApiKey === null) throw new AppError("config/missing", CALCOM_KEY_MISSING_MESSAGE);
  const org = organizationAccount(config);
  if (org === null) throw new AppError("coach/not-connected", withoutOrganization);
  return org;
}

/**
 * How to reach Cal.com for a coach: through their own connected account when they have one,
 * otherwise through the marketplace's organization when one is configured. For the coach's
 * own settings (schedule, event types, slots); a call about a booking uses `accountOfBooking`.
 */
export async function resolveCalcomAccount(coachId: string, access: CalcomAccess): Promise<CalcomAccount> {
  const credential = await readCalcomCredential(coachId, access.keyWrapper);
  if (credential) return connectedAccount(credential);
  return requireOrganization(access.config, "Connect your Cal.com account first (the marketplace has no Cal.com organization configured).");
}

/** The account a write for `coachId` goes through; without a coach (an orphan), the organization's. */
export async function accountForCalcomWrite(coachId: string | null, access: CalcomAccess): Promise<CalcomAccount> {
  if (coachId !== null) return resolveCalcomAccount(coachId, access);
  return requireOrganization(access.config, "No Cal.com organization is configured to act without a coach.");
}

/**
 * The account `ref` names for `coachId`: the organization's key, or the key of that Cal.com
 * user: the coach's current one (a rotated key included) or the one kept when they left it.
 */
export async function accountOfRef(coachId: string, ref: CalcomAccountRef, access: CalcomAccess): Promise<CalcomAccount> {
  if (ref.mode === "organization")
    return requireOrganization(
      access.config,
      "This booking lives in the marketplace's Cal.com organization, which is no longer configured.",
    );
  const current = await readCalcomCredential(coachId, access.keyWrapper);
  if (current?.calcomUserId === ref.calcomUserId) return connectedAccount(current);
  const retired = await readRetiredAccount(coachId, ref);
  if (retired?.apiKey != null)
    return connectedAccount({ apiKey: await openApiKey(coachId, retired.apiKey, access.keyWrapper), calcomUserId: ref.calcomUserId });
  throw new AppError("coach/not-connected", "The Cal.com account this booking was made in is no longer connected.");
}

/**
 * The account a booking lives in: every Cal.com call about a booking (confirm, cancel, move,
 * reads, queued writes) goes there, whatever the coach has connected since. A booking stored
 * before the account was recorded goes through the coach's current account.
 */
export async function accountOfBooking(
  booking: { coachId: string; calcomAccount: CalcomAccountRef | null },
  access: CalcomAccess,
): Promise<CalcomAccount> {
  return booking.calcomAccount === null
    ? resolveCalcomAccount(booking.coachId, access)
    : accountOfRef(booking.coachId, booking.calcomAccount, access);
}

/** What to record on a booking made through `account` for a coach whose Cal.com user is `coachCalcomUserId`. */
export function accountRefOf(account: CalcomAccount, coachCalcomUserId: number): CalcomAccountRef {
  return { mode: account.mode, calcomUserId: account.mode === "connected" ? account.calcomUserId : coachCalcomUserId };
}
