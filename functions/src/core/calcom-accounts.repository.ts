import type { AppConfig } from "../config/runtime-config.js";
import { CALCOM_KEY_MISSING_MESSAGE, type CalcomAccountRef } from "../domain/calcom-account.js";
import { AppError } from "../domain/errors.js";
import {
  calcomCredentialDoc,
  calcomCredentialsCollection,
  retiredCalcomAccountDoc,
  retiredCalcomAccountsCollection,
} from "../shared/firestore.js";
import type { CalcomCredential, RetiredCalcomAccount } from "../shared/firestore-records.js";
import type { CalcomAccount } from "../ports/scheduling.port.js";

export async function saveCalcomCredential(coachId: string, credential: CalcomCredential): Promise<void> {
  await calcomCredentialDoc(coachId).set(credential);
}

export async function readCalcomCredential(coachId: string): Promise<CalcomCredential | null> {
  return (await calcomCredentialDoc(coachId).get()).data() ?? null;
}

export async function readRetiredAccount(coachId: string, ref: CalcomAccountRef): Promise<RetiredCalcomAccount | null> {
  return (await retiredCalcomAccountDoc(coachId, ref).get()).data() ?? null;
}

/** Every connected credential (a reconciliation poll goes through each), by coach. */
export async function listConnectedCredentials(): Promise<{ coachId: string; credential: CalcomCredential }[]> {
  const snaps = await calcomCredentialsCollection().get();
  return snaps.docs.map((d) => ({ coachId: d.id, credential: d.data() }));
}

/** Retired accounts with event types of ours still to remove (a failed removal is retried by reconciliation). */
export async function listRetiredWithEventTypes(): Promise<RetiredCalcomAccount[]> {
  const snaps = await retiredCalcomAccountsCollection().where("removalPending", "==", true).limit(100).get();
  return snaps.docs.map((d) => d.data());
}

export function connectedAccount(credential: Pick<CalcomCredential, "apiKey" | "calcomUserId">): CalcomAccount & { mode: "connected" } {
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
export async function resolveCalcomAccount(coachId: string, config: AppConfig): Promise<CalcomAccount> {
  const credential = await readCalcomCredential(coachId);
  if (credential) return connectedAccount(credential);
  return requireOrganization(config, "Connect your Cal.com account first (the marketplace has no Cal.com organization configured).");
}

/** The account a write for `coachId` goes through; without a coach (an orphan), the organization's. */
export async function accountForCalcomWrite(coachId: string | null, config: AppConfig): Promise<CalcomAccount> {
  if (coachId !== null) return resolveCalcomAccount(coachId, config);
  return requireOrganization(config, "No Cal.com organization is configured to act without a coach.");
}

/**
 * The account `ref` names for `coachId`: the organization's key, or the key of that Cal.com
 * user: the coach's current one (a rotated key included) or the one kept when they left it.
 */
export async function accountOfRef(coachId: string, ref: CalcomAccountRef, config: AppConfig): Promise<CalcomAccount> {
  if (ref.mode === "organization")
    return requireOrganization(config, "This booking lives in the marketplace's Cal.com organization, which is no longer configured.");
  const current = await readCalcomCredential(coachId);
  if (current?.calcomUserId === ref.calcomUserId) return connectedAccount(current);
  const retired = await readRetiredAccount(coachId, ref);
  if (retired?.apiKey != null) return connectedAccount({ apiKey: retired.apiKey, calcomUserId: ref.calcomUserId });
  throw new AppError("coach/not-connected", "The Cal.com account this booking was made in is no longer connected.");
}

/**
 * The account a booking lives in: every Cal.com call about a booking (confirm, cancel, move,
 * reads, queued writes) goes there, whatever the coach has connected since. A booking stored
 * before the account was recorded goes through the coach's current account.
 */
export async function accountOfBooking(
  booking: { coachId: string; calcomAccount: CalcomAccountRef | null },
  config: AppConfig,
): Promise<CalcomAccount> {
  return booking.calcomAccount === null
    ? resolveCalcomAccount(booking.coachId, config)
    : accountOfRef(booking.coachId, booking.calcomAccount, config);
}

/** What to record on a booking made through `account` for a coach whose Cal.com user is `coachCalcomUserId`. */
export function accountRefOf(account: CalcomAccount, coachCalcomUserId: number): CalcomAccountRef {
  return { mode: account.mode, calcomUserId: account.mode === "connected" ? account.calcomUserId : coachCalcomUserId };
}
