import type { CalcomAccountRef } from "../../domain/calcom-account.js";
import { errorCodeOf } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb, retiredCalcomAccountDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { CalcomAccount } from "../../ports/scheduling.port.js";
import { eventTypeInUse } from "./event-type-sync.js";
import { connectedAccount, openApiKey, organizationAccount } from "../calcom-accounts.repository.js";

/**
 * Removes the event types of ours left in a retired account (through its kept key, or `through`
 * the key the coach connects it with again), each crossed off once Cal.com has it gone. A
 * failure is logged and left recorded: reconciliation tries again.
 */
export async function removeRetiredEventTypes(
  coachId: string,
  left: CalcomAccountRef,
  deps: Dependencies,
  through?: CalcomAccount,
): Promise<{ removed: number; left: number }> {
  const ref = retiredCalcomAccountDoc(coachId, left);
  const retired = (await ref.get()).data();
  if (retired === undefined) return { removed: 0, left: 0 };
  const account =
    through ??
    (retired.mode === "organization"
      ? organizationAccount(deps.config)
      : retired.apiKey === null
        ? null
        : connectedAccount({ apiKey: await openApiKey(coachId, retired.apiKey, deps.keyWrapper), calcomUserId: retired.calcomUserId }));
  if (account === null) {
    log.warn("calcom.retired-account-unreachable", { coachId, mode: retired.mode });
    return { removed: 0, left: retired.eventTypeIdsToRemove.length };
  }
  let removed = 0;
  for (const eventTypeId of retired.eventTypeIdsToRemove) {
    // A booking made in the old account while the coach was switching may still hold one: it waits.
    if (await eventTypeInUse(coachId, eventTypeId, deps.now())) continue;
    try {
      await deps.scheduling.deleteEventType(account, eventTypeId);
    } catch (err) {
      log.warn("calcom.retired-event-type-not-removed", { coachId, eventTypeId, code: errorCodeOf(err) });
      continue;
    }
    removed += 1;
    await getDb().runTransaction(async (tx) => {
      const fresh = (await tx.get(ref)).data();
      if (fresh === undefined) return; // never deleted: nothing left to cross off
      const rest = fresh.eventTypeIdsToRemove.filter((id) => id !== eventTypeId);
      tx.update(ref, { eventTypeIdsToRemove: rest, removalPending: rest.length > 0 });
    });
  }
  const rest = retired.eventTypeIdsToRemove.length - removed;
  log.info("calcom.retired-event-types-removed", { coachId, removed, left: rest });
  return { removed, left: rest };
}
