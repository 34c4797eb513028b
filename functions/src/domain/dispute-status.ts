/**
 * Stripe's dispute statuses only move forward: an inquiry (`warning_*`) may escalate to a
 * chargeback, a chargeback goes under review, and every dispute ends in one closed status. Events
 * arrive late and out of order, so an event is applied only when its status is not behind the one
 * recorded. Statuses Stripe may add later count as an open chargeback.
 */
const RANK: Readonly<Record<string, number>> = {
  warning_needs_response: 0,
  warning_under_review: 1,
  needs_response: 2,
  under_review: 3,
  won: 4,
  lost: 4,
  warning_closed: 4,
  prevented: 4,
};
const CLOSED_RANK = 4;
const UNKNOWN_RANK = 2;

function rankOf(status: string): number {
  return RANK[status] ?? UNKNOWN_RANK;
}

/** Stripe's dispute statuses after which no decision is pending any more. */
export function isDisputeClosed(status: string): boolean {
  return rankOf(status) === CLOSED_RANK;
}

/** Whether an event reporting `next` comes from before the `recorded` status (then it changes nothing). */
export function isStaleDisputeStatus(recorded: string, next: string): boolean {
  if (isDisputeClosed(recorded)) return next !== recorded;
  return rankOf(next) < rankOf(recorded);
}

/** Whether Stripe holds a dispute's amount back from us at this status (inquiries and won disputes do not). */
function withholdsFunds(status: string): boolean {
  return !status.startsWith("warning_") && status !== "won" && status !== "prevented";
}

/**
 * The money a dispute's new status moves, given whether its amount was already withdrawn: a
 * chargeback withdraws it once; a win after a withdrawal reinstates it once; anything else moves
 * nothing.
 */
export function disputeMoneyMove(
  withdrawnBefore: boolean,
  status: string,
): { withdraw: boolean; reinstate: boolean; fundsWithdrawn: boolean } {
  const withdraw = !withdrawnBefore && withholdsFunds(status);
  const reinstate = withdrawnBefore && status === "won";
  return { withdraw, reinstate, fundsWithdrawn: (withdrawnBefore && !reinstate) || withdraw };
}
