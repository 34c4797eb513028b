import { AppError } from "../../domain/errors.js";
import { CancellationPolicySchema, DEFAULT_CANCELLATION_POLICY } from "../../domain/policy.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { coachDoc, getDb, rawCoachDoc } from "../../shared/firestore.js";
import { coachLedgerEntries, ledgerEntriesBetween } from "../../core/ledger.js";
import { log } from "../../shared/logger.js";
import { requireBooking } from "../../core/bookings.repository.js";
import { decideCancellation, type CancellationQuote } from "../../domain/cancellation-decision.js";
import { planMove, roleOf } from "../../domain/reschedule-plan.js";
import type {
  CoachStatementInput,
  PlatformStatementInput,
  QuoteCancellationInput,
  QuoteRescheduleInput,
  SaveCancellationPolicyInput,
} from "./money.schemas.js";
import { buildPlatformStatement, buildStatement, type PlatformStatement, type Statement } from "../../domain/statement.js";

/**
 * Sets the caller's cancellation policy, validated (tiers ordered, 0-100 %, the last at 0 h) with
 * errors naming the tier, under the next version. Only bookings made from now on use it: each
 * booking keeps the copy made when it was booked.
 */
export async function saveCancellationPolicy(input: SaveCancellationPolicyInput, caller: CallerContext) {
  const coachId = requireUid(caller);
  return getDb().runTransaction(async (tx) => {
    const coach = (await tx.get(coachDoc(coachId))).data();
    if (!coach) throw new AppError("coach/not-found", "Sync your availability (or create your coach profile) before setting a policy.");
    const version = (coach.cancellationPolicy?.version ?? DEFAULT_CANCELLATION_POLICY.version) + 1;
    const parsed = CancellationPolicySchema.safeParse({ version, tiers: input.tiers });
    if (!parsed.success) throw parsed.error; // a ZodError: invalid-argument naming the tier
    tx.update(rawCoachDoc(coachId), { cancellationPolicy: parsed.data });
    log.info("policy.saved", { coachId, version });
    return { coachId, cancellationPolicy: parsed.data };
  });
}

async function bookingFor(bookingId: string, caller: CallerContext) {
  const uid = requireUid(caller);
  const booking = await requireBooking(bookingId);
  const role = roleOf(booking, uid, caller.isAdmin);
  if (role === null) throw new AppError("auth/permission-denied", "Only the student or the coach of this booking can see its quotes.");
  return { booking, role };
}

/**
 * What cancelling now would refund, by the same pure decision as `cancelBooking`, and until when
 * that holds (`validUntil`, the next tier boundary). Pass `refundCents` back to `cancelBooking`
 * as `expectedRefundCents` to cancel only at that price.
 */
export async function quoteCancellation(
  input: QuoteCancellationInput,
  caller: CallerContext,
  deps: Dependencies,
): Promise<CancellationQuote & { bookingId: string }> {
  const { booking, role } = await bookingFor(input.bookingId, caller);
  if (booking.status === "cancelled") throw new AppError("booking/illegal-transition", "This booking is already cancelled.");
  return { bookingId: input.bookingId, ...decideCancellation(booking, role, deps.now()) };
}

/** What moving the booking would cost (positive: to pay) or give back (negative), by the same plan as `rescheduleBooking`. */
export async function quoteReschedule(input: QuoteRescheduleInput, caller: CallerContext, deps: Dependencies) {
  const { booking, role } = await bookingFor(input.bookingId, caller);
  const coach = (await coachDoc(booking.coachId).get()).data();
  if (!coach) throw new AppError("coach/not-found", "There is no coach with this id.");
  const now = deps.now();
  const plan = planMove({
    booking,
    coach,
    role,
    now,
    newStartTime: input.newStartTime,
    newEndTime: input.newEndTime,
    newOfferingId: input.newOfferingId,
  });
  return {
    bookingId: input.bookingId,
    newOfferingId: plan.offeringId,
    differenceCents: plan.signedDifferenceCents,
    kind: plan.difference.kind,
    amountCents: plan.difference.amountCents,
    currency: booking.currency,
    quotedAt: now.toISOString(),
  };
}

/** A coach's money between two instants, from the ledgers of their bookings (entries by time). */
export async function coachStatement(
  input: CoachStatementInput,
  caller: CallerContext,
): Promise<Statement & { coachId: string; from: string; to: string }> {
  const uid = requireUid(caller);
  const coachId = input.coachId ?? uid;
  if (coachId !== uid && !caller.isAdmin) throw new AppError("auth/permission-denied", "You can only see your own statement.");
  if (!caller.isAdmin && !(await coachDoc(coachId).get()).exists)
    throw new AppError("auth/permission-denied", "Only coaches have statements.");
  const entries = await coachLedgerEntries(coachId, new Date(input.from), new Date(input.to));
  return { coachId, from: input.from, to: input.to, ...buildStatement(entries) };
}

/**
 * The platform's side of the money between two instants, for an admin: every coach's ledger
 * entries dated in [from, to) (one collection-group read: a year of a large marketplace is many
 * entries, so admins ask for shorter periods), per coach and currency, with totals per currency.
 */
export async function platformStatement(
  input: PlatformStatementInput,
  caller: CallerContext,
): Promise<PlatformStatement & { from: string; to: string }> {
  requireUid(caller);
  if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can see the platform's statement.");
  const entries = await ledgerEntriesBetween(new Date(input.from), new Date(input.to));
  log.info("statement.platform", { from: input.from, to: input.to, entries: entries.length });
  return { from: input.from, to: input.to, ...buildPlatformStatement(entries) };
}
