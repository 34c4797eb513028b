import { canBePaid } from "../../domain/payout-account.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { recordPayoutAccountInTx } from "../../core/payout-accounts.js";
import { readBooking } from "../../core/bookings.repository.js";
import { runPayouts, type PayoutRun } from "../../core/effects/payouts.js";
import type { PayOutBookingInput } from "./payouts.schemas.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import { coachDoc, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";

/**
 * A coach's way into Stripe's onboarding: their Express connected account, made on the first call
 * (one per coach: the idempotency key names the coach), and a fresh Account Link to Stripe's
 * onboarding pages each time (links expire within minutes and are used once). Stripe sends the
 * coach back to APP_URL's `/coach/payouts?onboarding=return` (or `=refresh` for a link that expired).
 */
export async function startPayoutOnboarding(caller: CallerContext, deps: Dependencies) {
  const coachId = requireUid(caller);
  const coach = (await coachDoc(coachId).get()).data();
  if (!coach) throw new AppError("coach/not-found", "Sync your availability (or create your coach profile) before setting up payouts.");
  const payments = await deps.payments();
  let accountId = coach.payoutAccount?.accountId ?? null;
  if (accountId === null) {
    const email = await deps.emailOf(coachId).catch(() => null);
    const account = await payments.createConnectedAccount({
      coachId,
      email,
      country: null,
      idempotencyKey: `coach-${coachId}-payout-account`,
    });
    await getDb().runTransaction(async (tx) => {
      await recordPayoutAccountInTx(tx, coachId, account, 0, deps.now());
    });
    accountId = account.accountId;
    log.info("payouts.account-created", { coachId, accountId });
  }
  const base = `${deps.config.appUrl}/coach/payouts`;
  const link = await payments.createAccountLink({
    accountId,
    refreshUrl: `${base}?onboarding=refresh`,
    returnUrl: `${base}?onboarding=return`,
  });
  return { accountId, url: link.url, expiresAt: link.expiresAt, payoutsReady: canBePaid(coach.payoutAccount) };
}

/**
 * An admin's "pay out now": the booking's payouts run at once, under the same rules as the sweep
 * (the hold, an open dispute or no-show claim, a coach Stripe cannot pay: `heldBy` says which).
 */
export async function payOutBooking(
  input: PayOutBookingInput,
  caller: CallerContext,
  deps: Dependencies,
): Promise<PayoutRun & { bookingId: string }> {
  requireUid(caller);
  if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can pay out a booking.");
  if (!(await readBooking(input.bookingId))) throw new AppError("booking/not-found", "There is no booking with this id.");
  const run = await runPayouts(input.bookingId, deps);
  log.info("payouts.run-by-admin", { bookingId: input.bookingId, ...run });
  return { bookingId: input.bookingId, ...run };
}
