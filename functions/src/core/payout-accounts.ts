import type { Transaction } from "firebase-admin/firestore";
import { PayoutAccountSchema, type PayoutAccount } from "../domain/payout-account.js";
import type { ConnectedAccountOut } from "../domain/stripe-views.js";
import { coachDoc, rawCoachDoc } from "../shared/firestore.js";

/**
 * Records a connected account's state on its coach, inside the caller's transaction: only for the
 * account the coach has (an old or foreign one changes nothing), and never from an event older
 * than the one already applied (Stripe does not keep order). `eventCreated` 0: not from an event
 * (the answer to our own create), which any event then overrides.
 */
export async function recordPayoutAccountInTx(
  tx: Transaction,
  coachId: string,
  state: ConnectedAccountOut,
  eventCreated: number,
  now: Date,
): Promise<"recorded" | "stale" | "not-theirs"> {
  const coach = (await tx.get(coachDoc(coachId))).data();
  const current = coach?.payoutAccount ?? null;
  if (!coach || (current !== null && current.accountId !== state.accountId)) return "not-theirs";
  if (current !== null && eventCreated < current.eventCreated) return "stale";
  const next: PayoutAccount = PayoutAccountSchema.parse({
    ...state,
    requirementsDue: state.requirementsDue.slice(0, 100),
    eventCreated,
    updatedAt: now.toISOString(),
  });
  tx.update(rawCoachDoc(coachId), { payoutAccount: next });
  return "recorded";
}
