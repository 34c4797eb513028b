import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import type { AppConfig } from "../../config/runtime-config.js";
import { AppError } from "../../domain/errors.js";
import { CALCOM_KEY_MISSING_MESSAGE } from "../../integrations/calcom/calcom-error-map.js";
import { COLLECTIONS, getDb } from "../../shared/firestore.js";
import type { CalcomAccount } from "../../shared/scheduling.port.js";

/**
 * `calcomCredentials/{coachId}`: a coach's own Cal.com credential (connected-account mode).
 * No client rule matches this collection, so no client can read or write it; it is never logged.
 */
export const CalcomCredentialSchema = z.object({
  kind: z.literal("apiKey"),
  apiKey: z.string().min(1),
  calcomUserId: z.int().positive(),
  connectedAt: z.instanceof(Timestamp),
});
export type CalcomCredential = z.output<typeof CalcomCredentialSchema>;

function credentialRef(coachId: string) {
  return getDb().collection(COLLECTIONS.calcomCredentials).doc(coachId);
}

export async function saveCalcomCredential(coachId: string, credential: CalcomCredential): Promise<void> {
  await credentialRef(coachId).set(credential);
}

export async function readCalcomCredential(coachId: string): Promise<CalcomCredential | null> {
  const snap = await credentialRef(coachId).get();
  return snap.exists ? CalcomCredentialSchema.parse(snap.data()) : null;
}

/**
 * How to reach Cal.com for a coach: through their own connected account when they have one,
 * otherwise through the marketplace's organization when one is configured.
 */
export async function resolveCalcomAccount(coachId: string, config: AppConfig): Promise<CalcomAccount> {
  const credential = await readCalcomCredential(coachId);
  if (credential) return { mode: "connected", apiKey: credential.apiKey };
  if (config.calcomApiKey === null) throw new AppError("config/missing", CALCOM_KEY_MISSING_MESSAGE);
  if (config.calcomOrganizationId === null || config.calcomTeamId === null) {
    throw new AppError(
      "coach/not-connected",
      "Connect your Cal.com account first (the marketplace has no Cal.com organization configured).",
    );
  }
  return { mode: "organization", apiKey: config.calcomApiKey, orgId: config.calcomOrganizationId, teamId: config.calcomTeamId };
}

/** The account a write for `coachId` goes through; without a coach (an orphan), the organization's. */
export async function accountForCalcomWrite(coachId: string | null, config: AppConfig): Promise<CalcomAccount> {
  if (coachId !== null) return resolveCalcomAccount(coachId, config);
  if (config.calcomApiKey === null) throw new AppError("config/missing", CALCOM_KEY_MISSING_MESSAGE);
  if (config.calcomOrganizationId === null || config.calcomTeamId === null) throw new AppError("coach/not-connected", "No Cal.com organization is configured to act without a coach.");
  return { mode: "organization", apiKey: config.calcomApiKey, orgId: config.calcomOrganizationId, teamId: config.calcomTeamId };
}
