import { randomBytes } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { connectionChange, needsItsCalcomAccount, type CalcomAccountRef } from "../../domain/calcom-account.js";
import { AppError } from "../../domain/errors.js";
import { CALCOM_WEBHOOK_COACH_PARAM } from "../../domain/calcom-account.js";
import { CALCOM_WEBHOOK_TRIGGERS } from "../../integrations/calcom/calcom.schemas.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import {
  bookingsCollection,
  coachDoc,
  eventTypeRecordsCollection,
  getDb,
  rawCoachDoc,
  retiredCalcomAccountDoc,
} from "../../shared/firestore.js";
import type { RetiredCalcomAccount, SealedSecret } from "../../shared/firestore-records.js";
import { log } from "../../shared/logger.js";
import type { CalcomAccount } from "../../ports/scheduling.port.js";
import { connectedAccount, readCalcomCredential, saveCalcomCredential, sealedApiKey } from "../../core/calcom-accounts.repository.js";
import type { ConnectCalcomAccountInput } from "./calcom-accounts.schemas.js";
import { removeRetiredEventTypes } from "../../core/event-types/retired-accounts.js";
import { assertCalcomUserFree } from "../../core/calcom-users.js";

export const BOOKINGS_LIVE_MESSAGE =
  "You have sessions booked in the Cal.com account you are connected to now: they must stay there. Connect a different Cal.com account once your last booked session has ended or been cancelled (a new key for the same Cal.com account is always accepted).";
/**
 * Connects the caller's own Cal.com account: the key is checked against Cal.com (`GET /v2/me`)
 * and kept where no client can read it, and our webhook is registered in the account. A new key
 * for the same Cal.com user (rotation) is always accepted; another account (or leaving the
 * organization) only while no booking of the coach is live, since each booking stays in the
 * account it was made in. The account left is retired: its event types of ours are removed.
 */
export async function connectCalcomAccount(input: ConnectCalcomAccountInput, caller: CallerContext, deps: Dependencies) {
  const coachId = requireUid(caller);
  let me;
  try {
    me = { id: (await deps.scheduling.ownerOfKey(input.apiKey)).calcomUserId };
  } catch (err) {
    if (err instanceof AppError && err.code === "calcom/unauthorized")
      throw new AppError("request/invalid", "Cal.com did not accept this API key.");
    throw err;
  }
  await assertCalcomUserFree(coachId, me.id);
  const credential = await readCalcomCredential(coachId, deps.keyWrapper);
  const coach = (await coachDoc(coachId).get()).data();
  const current: CalcomAccountRef | null = credential
    ? { mode: "connected", calcomUserId: credential.calcomUserId }
    : coach?.calcomUserId != null
      ? { mode: "organization", calcomUserId: coach.calcomUserId }
      : null;
  const change = connectionChange(current, me.id);
  if (change === "switch" && (await hasBookingNeedingItsAccount(coachId, deps.now()))) {
    throw new AppError("coach/bookings-live", BOOKINGS_LIVE_MESSAGE);
  }

  const account = connectedAccount({ apiKey: input.apiKey, calcomUserId: me.id });
  if (change === "switch") {
    // Back to an account left earlier: what we left there must be gone first, or the next sync
    // would adopt one of those event types (same slug) that reconciliation is about to delete.
    const { left } = await removeRetiredEventTypes(coachId, { mode: "connected", calcomUserId: me.id }, deps, account);
    if (left > 0)
      throw new AppError(
        "upstream/unavailable",
        "Cal.com could not remove what this marketplace left in that account earlier. Nothing was changed: please try again in a minute.",
      );
  }
  // Registered before anything is recorded: a failure leaves the coach as they were, and a retry
  // adopts the webhook. A new key for the same account keeps the secret the coach has, so a
  // connect that fails after Cal.com took it (or two at once) never leaves Cal.com signing with a
  // secret we did not store.
  const kept = change === "rotation" ? (credential?.webhookSecret ?? null) : null;
  const webhook = await registerWebhook(coachId, account, deps, kept);
  const connectedAt = Timestamp.fromDate(deps.now());
  if (change === "switch" && current !== null) {
    await retireAccount(coachId, current, credential ? await sealedApiKey(coachId, credential.apiKey, deps.keyWrapper) : null, deps);
  }
  await saveCalcomCredential(
    coachId,
    {
      apiKey: input.apiKey,
      calcomUserId: me.id,
      connectedAt,
      webhookId: webhook?.webhookId ?? credential?.webhookId ?? null,
      webhookSecret: webhook?.secret ?? credential?.webhookSecret ?? null,
    },
    deps.keyWrapper,
  );
  if (coach && (change === "switch" || coach.calcomUserId !== me.id)) {
    // The next sync makes a fresh schedule, and event types, in the new account.
    await rawCoachDoc(coachId).update({ calcomUserId: me.id, calcomScheduleId: null, calcomMode: "connected" });
  }
  if (change === "switch" && current !== null) await removeRetiredEventTypes(coachId, current, deps);
  log.info("calcom.account-connected", { coachId, calcomUserId: me.id, change });
  return { calcomUserId: me.id, mode: "connected" as const };
}
async function hasBookingNeedingItsAccount(coachId: string, now: Date): Promise<boolean> {
  const snaps = await bookingsCollection().where("coachId", "==", coachId).where("status", "in", ["requested", "confirmed"]).get();
  return snaps.docs.some((d) => needsItsCalcomAccount(d.data(), now));
}
/**
 * Our webhook in the connected account, signed with a secret of this coach's own (made here,
 * given to Cal.com and stored sealed) and pointed at our endpoint with `?coach=<coachId>`, which
 * tells the endpoint whose secret verifies the delivery. Null when no endpoint is configured.
 */
async function registerWebhook(
  coachId: string,
  account: CalcomAccount & { mode: "connected" },
  deps: Dependencies,
  kept: string | null,
): Promise<{ webhookId: number; secret: string } | null> {
  const endpoint = deps.config.calcomWebhookUrl;
  if (endpoint === null) {
    // Reconciliation still polls the account: its changes are found, only later.
    log.warn("calcom.webhook-not-registered", { coachId });
    return null;
  }
  const secret = kept ?? randomBytes(32).toString("base64url");
  const { webhookId, created } = await deps.scheduling.ensureWebhook(account, {
    subscriberUrl: coachWebhookUrl(endpoint, coachId),
    // The one registered before each coach had their own secret is taken over, not left beside it.
    formerSubscriberUrls: [endpoint],
    secret,
    triggers: CALCOM_WEBHOOK_TRIGGERS,
  });
  log.info("calcom.webhook-registered", { coachId, webhookId, created });
  return { webhookId, secret };
}

function coachWebhookUrl(endpoint: string, coachId: string): string {
  const url = new URL(endpoint);
  url.searchParams.set(CALCOM_WEBHOOK_COACH_PARAM, coachId);
  return url.toString();
}
/**
 * Records the account the coach leaves, with the event types of ours in it to remove, and
 * resets the coach's event-type records and links so the next sync makes them in the new account.
 */
async function retireAccount(coachId: string, left: CalcomAccountRef, apiKey: SealedSecret | null, deps: Dependencies): Promise<void> {
  const records = await eventTypeRecordsCollection(coachId).get();
  const coach = (await coachDoc(coachId).get()).data();
  const ids = new Set<number>();
  for (const d of records.docs) {
    const record = d.data();
    if (!record.deleted) ids.add(record.eventTypeId);
    // Retired ones were kept only for live bookings, and a switch waits until none is live.
    for (const r of record.retired) ids.add(r.eventTypeId);
  }
  for (const o of coach?.customOfferings ?? []) if (o.calcomEventTypeId !== null) ids.add(o.calcomEventTypeId);
  const ref = retiredCalcomAccountDoc(coachId, left);
  await getDb().runTransaction(async (tx) => {
    const [existing, latestSnap] = await Promise.all([tx.get(ref), tx.get(coachDoc(coachId))]);
    const latest = latestSnap.data();
    const before = existing.data()?.eventTypeIdsToRemove ?? [];
    const toRemove = [...new Set([...before, ...ids])];
    const retired: RetiredCalcomAccount = {
      coachId,
      ...left,
      apiKey,
      retiredAt: Timestamp.fromDate(deps.now()),
      eventTypeIdsToRemove: toRemove,
      removalPending: toRemove.length > 0,
    };
    tx.set(ref, retired);
    for (const d of records.docs) tx.delete(d.ref);
    if (latest)
      tx.update(rawCoachDoc(coachId), { customOfferings: latest.customOfferings.map((o) => ({ ...o, calcomEventTypeId: null })) });
  });
}
