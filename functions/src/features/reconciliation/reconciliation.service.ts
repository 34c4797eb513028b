import { FieldPath, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { calcomAccountKey, type CalcomAccountRef } from "../../domain/calcom-account.js";
import { disputesOf, type Booking } from "../../domain/booking.js";
import { isDisputeClosed } from "../../domain/dispute-status.js";
import { calcomMover } from "../../domain/calcom-move.js";
import { errorCodeOf } from "../../domain/errors.js";
import { isRefundMade } from "../../domain/money.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingsCollection, getDb, ledgerCollection, reconciliationCursorsDoc, reconciliationRunDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { CalcomAccount } from "../../ports/scheduling.port.js";
import type { CalcomBookingListed, CalcomBookingRef } from "../../domain/calcom-views.js";
import type { CheckoutSessionOut } from "../../domain/stripe-views.js";
import {
  accountOfBooking,
  connectedAccount,
  listConnectedCredentials,
  listRetiredWithEventTypes,
  organizationAccount,
} from "../../core/calcom-accounts.repository.js";
import { removeRetiredEventTypes } from "../../core/event-types/retired-accounts.js";
import { recordPaymentInTx, recordPaymentProcessingInTx } from "../../core/effects/payments.js";
import { recordRefundInTx } from "../../core/effects/refunds.js";
import { runBookingEffects } from "../../core/effects/runner.js";
import { appendAudit } from "../../core/audit.js";
import { patchBooking, readBooking, requireBooking } from "../../core/bookings.repository.js";
import { followCalcomMove, type CalcomMove } from "../../core/effects/follow-calcom-move.js";
import { recordDisputeInTx } from "../../core/effects/disputes.js";
import { expireHold } from "../../core/effects/hold-expiry.js";
import { recordCalcomCancellation } from "../../core/effects/cancellation.js";
import { expireMoveHold } from "../../core/effects/move-payments.js";
import { findDrifts, isOrphanCalcomBooking, isOrphanSession, type Drift } from "../../domain/drift.js";
import type { PayoutDrift } from "../../domain/payout-drift.js";
import { actOnPayoutDrifts, findBookingPayoutDrifts } from "./payout-reconciliation.js";

export interface BookingReconciliation {
  bookingId: string;
  /** What disagrees: the booking's own drift, then its payouts' (payout-reconciliation.ts). */
  drifts: (Drift | PayoutDrift)[];
  /** False in a dry run: the drifts were reported, nothing was changed. */
  applied: boolean;
}

/** How long after a failed Cal.com write reconciliation takes it over: the queue's own retries (about 20 minutes) come first. */
const UNFINISHED_WRITE_GRACE_MS = 30 * 60_000;

export interface ReconciliationRun {
  runId: string;
  dryRun: boolean;
  bookings: BookingReconciliation[];
  orphanCalcomBookings: string[];
  /** Coaches whose event-type sync was enqueued again (behind their offerings, or keeping a retired event type). */
  eventTypeSyncs: string[];
  /** Cal.com writes the queue gave up on, enqueued again. */
  requeuedCalcomWrites: string[];
  orphanCheckoutSessions: string[];
  errors: { target: string; code: string }[];
}

const LOOKBACK_MS = 48 * 3_600_000;
/** Sessions that ended this long ago or less have their payouts compared with Stripe's transfers (older ones: reconcileBooking). */
const PAYOUT_LOOKBACK_MS = 7 * 24 * 3_600_000;

/** `system/reconciliation`: the poll cursor of each Cal.com account (`calcomCursor`: the organization's, before there were several). */
const CursorsSchema = z.looseObject({
  calcomCursor: z.string().optional(),
  calcomCursors: z.record(z.string(), z.string()).default({}),
});

/** One Cal.com account a pass polls: the organization (`ref` null) or a connected coach's. */
interface CalcomPoll {
  key: string;
  account: CalcomAccount;
  coachId: string | null;
  ref: CalcomAccountRef | null;
}

/** The organization when one is configured, and every connected credential. */
async function calcomPolls(deps: Dependencies): Promise<CalcomPoll[]> {
  const org = organizationAccount(deps.config);
  const polls: CalcomPoll[] = org === null ? [] : [{ key: "organization", account: org, coachId: null, ref: null }];
  for (const { coachId, credential } of await listConnectedCredentials(deps.keyWrapper)) {
    const ref = { mode: "connected" as const, calcomUserId: credential.calcomUserId };
    // Two coaches on one Cal.com account would be one poll: the key names the account.
    if (polls.some((p) => p.key === calcomAccountKey(ref))) continue;
    polls.push({ key: calcomAccountKey(ref), account: connectedAccount(credential), coachId, ref });
  }
  return polls;
}
/** Moves made in Cal.com one after another while their webhooks were lost, followed in one pass (the rest next time). */
const MAX_MOVE_HOPS = 5;

async function calcomView(booking: Booking, changedInCalcom: boolean, deps: Dependencies): Promise<CalcomBookingRef | null> {
  // Only a paid live booking's drift depends on Cal.com's view (cancelled, rejected or moved
  // there), or a live one Cal.com's poll says changed (a hold moved there): the others are not
  // read, so a pass over many holds does not spend the key's budget.
  const paidLive = booking.status === "confirmed" || (booking.status === "requested" && booking.paymentStatus === "paid");
  if (booking.calcomBookingUid === null || !(paidLive || (changedInCalcom && booking.status !== "cancelled"))) return null;
  const account = await accountOfBooking(booking, deps);
  return deps.bookingCalendar.getBooking(account, booking.calcomBookingUid);
}

/** Stripe's status of each dispute still open here (their later events may be lost). */
async function openDisputesAtStripe(booking: Booking, deps: Dependencies): Promise<Map<string, string>> {
  const open = disputesOf(booking).filter((d) => !isDisputeClosed(d.status));
  if (open.length === 0) return new Map();
  const payments = await deps.payments();
  return new Map(await Promise.all(open.map(async (d) => [d.id, (await payments.retrieveDispute(d.id)).status] as const)));
}

async function sessionView(booking: Booking, deps: Dependencies): Promise<CheckoutSessionOut | null> {
  if (booking.paymentStatus !== "pending" || booking.stripeCheckoutSessionId === null) return null;
  const read = (await deps.payments()).retrieveCheckoutSession(booking.stripeCheckoutSessionId);
  // A released hold is looked at only in case it was paid: a session Stripe cannot show now is
  // looked at again by the next pass, and one it does not know was never paid.
  return booking.status === "cancelled" ? read.catch(() => null) : read;
}

async function recordedRefundIds(bookingId: string): Promise<Set<string>> {
  const ledger = await ledgerCollection(bookingId).where("kind", "==", "refunded").get();
  return new Set(ledger.docs.map((d) => d.id));
}

/**
 * Compares one booking with Cal.com and Stripe and, unless `dryRun`, heals what disagrees
 * through the same idempotent paths the triggers use. Every fix is written to the booking's
 * audit trail (`events/reconcile-<kind>-<run>`).
 */
export async function reconcileBooking(
  bookingId: string,
  options: { dryRun: boolean; runId: string; changedInCalcom?: boolean },
  deps: Dependencies,
): Promise<BookingReconciliation> {
  const booking = await requireBooking(bookingId);
  const payments = await deps.payments();
  const refunds = (
    await Promise.all(
      booking.paymentIntentIds.map(async (pi) =>
        (await payments.listRefunds(pi))
          .filter((r) => isRefundMade(r.status))
          .map((r) => ({ paymentIntentId: pi, refundId: r.refundId, amountCents: r.amountCents, ours: r.ours })),
      ),
    )
  ).flat();
  const drifts = findDrifts({
    bookingId,
    booking,
    now: deps.now(),
    calcom: await calcomView(booking, options.changedInCalcom ?? false, deps),
    session: await sessionView(booking, deps),
    refunds,
    recordedRefundIds: await recordedRefundIds(bookingId),
    openDisputesAtStripe: await openDisputesAtStripe(booking, deps),
  });
  const payoutDrifts = await findBookingPayoutDrifts(bookingId, booking, deps);
  const found = [...drifts, ...payoutDrifts];
  if (options.dryRun || found.length === 0) return { bookingId, drifts: found, applied: false };
  if (drifts.length > 0) {
    for (const drift of drifts) await heal(bookingId, drift, options.runId, deps);
    // The fixes above leave the booking in a state whose effects are due: carry them out.
    await runBookingEffects(bookingId, deps, { keySuffix: `reconcile-${options.runId}` });
    log.info("reconcile.healed", { bookingId, kinds: drifts.map((d) => d.kind).join(","), runId: options.runId });
  }
  if (payoutDrifts.length > 0) await actOnPayoutDrifts(bookingId, payoutDrifts, options.runId, deps);
  return { bookingId, drifts: found, applied: true };
}

/** Audits a fix made by the step's own path (in its own transactions), once the booking is known to still exist. */
async function auditFix(bookingId: string, auditId: string, entry: Record<string, unknown>, now: Date): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    await requireBooking(bookingId, tx);
    appendAudit(tx, bookingId, auditId, entry, now);
  });
}

async function heal(bookingId: string, drift: Drift, runId: string, deps: Dependencies): Promise<void> {
  const now = deps.now();
  const audit = { type: "reconciled", kind: drift.kind, runId };
  const auditId = `reconcile-${drift.kind}-${runId}${drift.kind === "refund-outside-flow" || drift.kind === "refund-not-recorded" ? `-${drift.refundId}` : ""}`;
  switch (drift.kind) {
    case "hold-expired": {
      const outcome = await expireHold(bookingId, await requireBooking(bookingId), deps);
      await auditFix(bookingId, auditId, { ...audit, outcome }, now);
      return;
    }
    case "payment-processing-not-recorded":
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        if (!recordPaymentProcessingInTx(tx, bookingId, current, drift.paymentIntentId, `reconcile-${drift.sessionId}`, now)) return;
        appendAudit(tx, bookingId, auditId, { ...audit, sessionId: drift.sessionId, paymentIntentId: drift.paymentIntentId }, now);
      });
      return;
    case "paid-not-recorded":
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        if (current.paymentStatus !== "pending") return;
        recordPaymentInTx(tx, bookingId, current, drift.paymentIntentId, `reconcile-${drift.sessionId}`, now);
        appendAudit(tx, bookingId, auditId, { ...audit, sessionId: drift.sessionId, paymentIntentId: drift.paymentIntentId }, now);
      });
      return;
    case "paid-not-confirmed":
    case "refund-missing":
    case "release-undone":
    case "absence-unmirrored":
      // The automatic attempts may be spent: give the effect a fresh budget and let it run again.
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        const action =
          drift.kind === "paid-not-confirmed"
            ? "calcom-confirm"
            : drift.kind === "refund-missing"
              ? "stripe-refund"
              : drift.kind === "absence-unmirrored"
                ? "calcom-absent"
                : "calcom-release";
        patchBooking(
          tx,
          bookingId,
          current,
          { sideEffectAttempts: { ...current.sideEffectAttempts, [action]: 0 }, needsReconciliation: false },
          now,
        );
        appendAudit(tx, bookingId, auditId, drift.kind === "refund-missing" ? { ...audit, owedCents: drift.owedCents } : audit, now);
      });
      return;
    case "move-stuck":
      // A fresh budget, made by the queue: a slot Cal.com no longer offers gives the move up and
      // refunds a paid difference (the move's own rule).
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        if (current.reschedule?.state !== "ready") return;
        patchBooking(
          tx,
          bookingId,
          current,
          {
            sideEffectAttempts: { ...current.sideEffectAttempts, "calcom-reschedule": 0 },
            reschedule: { ...current.reschedule, driver: "trigger" },
            needsReconciliation: false,
          },
          now,
        );
        appendAudit(tx, bookingId, auditId, { ...audit, rescheduleId: current.reschedule.id }, now);
      });
      return;
    case "move-hold-expired": {
      const outcome = await expireMoveHold(bookingId, await requireBooking(bookingId), deps);
      await auditFix(bookingId, auditId, { ...audit, outcome }, now);
      return;
    }
    case "moved-in-calcom": {
      // Followed exactly as the webhook would have, hop by hop when it was moved again since.
      let hop: CalcomMove = { bookingId, oldUid: drift.fromUid, newUid: drift.toUid, by: drift.by };
      for (let hops = 0; hops < MAX_MOVE_HOPS; hops++) {
        const { outcome, calcom } = await followCalcomMove(hop, deps);
        if (outcome === "processed")
          await auditFix(bookingId, `${auditId}-${hop.newUid}`, { ...audit, by: hop.by, from: hop.oldUid, to: hop.newUid }, now);
        if (outcome !== "processed" || calcom.status !== "cancelled" || !calcom.rescheduledToUid) return;
        hop = {
          bookingId,
          oldUid: hop.newUid,
          newUid: calcom.rescheduledToUid,
          by: calcomMover({ rescheduledBy: calcom.rescheduledByEmail, hostEmails: calcom.hostEmails ?? [] }),
        };
      }
      return;
    }
    case "cancelled-in-calcom":
      await recordCalcomCancellation(bookingId, { by: drift.by, reason: "Cancelled in Cal.com", calcomStatus: drift.calcomStatus }, now, {
        id: auditId,
        entry: { ...audit, by: drift.by },
      });
      return;
    case "dispute-stale": {
      const dispute = await (await deps.payments()).retrieveDispute(drift.disputeId);
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        recordDisputeInTx(tx, bookingId, current, dispute, drift.paymentIntentId, `reconcile-${runId}`, now);
        appendAudit(tx, bookingId, auditId, { ...audit, disputeId: drift.disputeId, status: dispute.status }, now);
      });
      return;
    }
    case "refund-outside-flow":
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        // A cancellation this refund settles is marked refunded by the effects run after the fixes.
        const refund = {
          refundId: drift.refundId,
          paymentIntentId: drift.paymentIntentId,
          amountCents: drift.amountCents,
          cause: "outside-flow",
          obligationKey: null,
        };
        if (!(await recordRefundInTx(tx, bookingId, current, refund, now))) return;
        appendAudit(tx, bookingId, auditId, { ...audit, refundId: drift.refundId, amountCents: drift.amountCents }, now);
      });
      return;
    case "refund-not-recorded":
      // Recorded exactly as the refund's own path would have: its obligation settled with it, so
      // a retry past Stripe's idempotency window finds nothing left to refund.
      await getDb().runTransaction(async (tx) => {
        const current = await requireBooking(bookingId, tx);
        const refund = {
          refundId: drift.refundId,
          paymentIntentId: drift.paymentIntentId,
          amountCents: drift.amountCents,
          cause: drift.obligationKey,
          obligationKey: drift.obligationKey,
        };
        if (!(await recordRefundInTx(tx, bookingId, current, refund, now))) return;
        appendAudit(
          tx,
          bookingId,
          auditId,
          { ...audit, refundId: drift.refundId, amountCents: drift.amountCents, obligationKey: drift.obligationKey },
          now,
        );
      });
      return;
  }
}

/**
 * The scheduled pass: every booking that may be unsettled (marked for reconciliation, waiting
 * for payment or confirmation, cancelled but not refunded or still live in Cal.com, with a move
 * under way), every booking Cal.com says changed
 * since the last pass (Cal.com does not retry a failed webhook: polling `afterUpdatedAt` is how a
 * lost event is found), and every open Checkout Session of the last two days.
 */
export async function reconcileRecent(options: { dryRun: boolean }, deps: Dependencies): Promise<ReconciliationRun> {
  const now = deps.now();
  const runId = `${now.getTime()}`;
  const run: ReconciliationRun = {
    runId,
    dryRun: options.dryRun,
    bookings: [],
    orphanCalcomBookings: [],
    eventTypeSyncs: [],
    requeuedCalcomWrites: [],
    orphanCheckoutSessions: [],
    errors: [],
  };
  const cursorRef = reconciliationCursorsDoc();
  const cursors = CursorsSchema.parse((await cursorRef.get()).data() ?? {});

  const candidates = new Set<string>();
  for (const query of [
    bookingsCollection().where("needsReconciliation", "==", true).limit(200),
    bookingsCollection().where("status", "==", "requested").limit(500),
    bookingsCollection().where("status", "==", "cancelled").where("paymentStatus", "==", "paid").limit(200),
    // A move under way (paid and not made, or waiting for a difference whose expiry was lost).
    bookingsCollection().where("reschedule.state", "in", ["ready", "awaiting-payment"]).limit(200),
    // An open dispute: its later events may be lost (the last one reported is the open one).
    bookingsCollection()
      .where("dispute.status", "in", ["needs_response", "under_review", "warning_needs_response", "warning_under_review"])
      .limit(200),
    // A hold released in the last two days: its payment may have been made and its event lost.
    bookingsCollection()
      .where("status", "==", "cancelled")
      .where("paymentStatus", "==", "pending")
      .where("updatedAt", ">=", Timestamp.fromDate(new Date(now.getTime() - LOOKBACK_MS)))
      .limit(200),
    // A cancellation whose Cal.com release was left undone.
    bookingsCollection().where("status", "==", "cancelled").where("calcomStatus", "in", ["pending", "accepted"]).limit(200),
  ]) {
    for (const doc of (await query.get()).docs) candidates.add(doc.id);
  }
  // Sessions ended lately with a payout made or under way: their transfers are compared with Stripe's.
  const endedLately = bookingsCollection()
    .where("status", "in", ["completed", "no-show", "cancelled"])
    .where("endTime", ">=", Timestamp.fromDate(new Date(now.getTime() - PAYOUT_LOOKBACK_MS)))
    .limit(300);
  for (const doc of (await endedLately.get()).docs) {
    const payout = doc.data().payout;
    if (payout && (payout.transfers.length > 0 || payout.pending.length > 0)) candidates.add(doc.id);
  }

  const failed = (target: string, err: unknown) => {
    run.errors.push({ target, code: errorCodeOf(err) });
    log.error("reconcile.failed", { target, code: errorCodeOf(err) }, err);
  };

  // What Cal.com says changed, in every account we reach (the organization when there is one,
  // each connected coach's own): each booking of ours it names is looked at with Cal.com's view,
  // and the orphans are judged only after, so that a move made in Cal.com is followed first and
  // its new booking found to be ours. One list call per account and run: each key has its own
  // rate budget, and a full page leaves the rest to the next run (the cursor at its last change).
  const changedInCalcom = new Set<string>();
  const listedInCalcom: { listed: CalcomBookingListed; poll: CalcomPoll }[] = [];
  const nextCursors: Record<string, string> = {};
  const settled = new Date(now.getTime() - 2 * 60_000).toISOString();
  for (const poll of await calcomPolls(deps)) {
    try {
      const since =
        cursors.calcomCursors[poll.key] ??
        (poll.key === "organization" ? cursors.calcomCursor : undefined) ??
        new Date(now.getTime() - LOOKBACK_MS).toISOString();
      const { bookings, more } = await deps.bookingCalendar.listBookingsChangedSince(poll.account, since);
      for (const listed of bookings) {
        listedInCalcom.push({ listed, poll });
        if (listed.bookingId !== null && !changedInCalcom.has(listed.bookingId) && (await readBooking(listed.bookingId)))
          changedInCalcom.add(listed.bookingId);
      }
      const last = bookings.at(-1)?.updatedAt ?? null;
      // Bookings that changed within the settle window are looked at again next time.
      nextCursors[poll.key] =
        more && last !== null && Date.parse(last) < Date.parse(settled) ? new Date(Date.parse(last)).toISOString() : settled;
    } catch (err) {
      failed(poll.key === "organization" ? "calcom-bookings" : `calcom-bookings-${poll.key}`, err);
    }
  }

  try {
    const payments = await deps.payments();
    for (const session of await payments.listOpenCheckoutSessions(new Date(now.getTime() - LOOKBACK_MS))) {
      const bookingId = session.metadata.bookingId;
      const booking = bookingId ? await readBooking(bookingId) : undefined;
      if (!isOrphanSession(session, booking, now)) continue;
      run.orphanCheckoutSessions.push(session.id);
      if (!options.dryRun) await payments.expireCheckoutSession(session.id, `reconcile-expire-${session.id}`);
    }
  } catch (err) {
    failed("checkout-sessions", err);
  }

  for (const bookingId of new Set([...candidates, ...changedInCalcom])) {
    try {
      const result = await reconcileBooking(
        bookingId,
        { dryRun: options.dryRun, runId, changedInCalcom: changedInCalcom.has(bookingId) },
        deps,
      );
      if (result.drifts.length > 0) run.bookings.push(result);
    } catch (err) {
      failed(bookingId, err);
    }
  }

  try {
    for (const { listed, poll } of listedInCalcom) {
      const booking = listed.bookingId ? await readBooking(listed.bookingId) : undefined;
      if (!isOrphanCalcomBooking(listed, booking, now)) continue;
      run.orphanCalcomBookings.push(listed.calcomBookingUid);
      // Cancelled in the account it was listed in.
      const where = poll.ref === null ? { coachId: null } : { coachId: poll.coachId, calcomAccount: poll.ref };
      if (!options.dryRun)
        await deps.calcomQueue.enqueue({
          action: "calcom-orphan",
          calcomBookingUid: listed.calcomBookingUid,
          ...where,
          key: `calcom-orphan-${listed.calcomBookingUid}`,
        });
    }
  } catch (err) {
    failed("calcom-bookings", err);
  }

  try {
    const { resyncOutstandingEventTypes } = await import("../../core/event-types/event-type-sync.js");
    run.eventTypeSyncs = await resyncOutstandingEventTypes({ dryRun: options.dryRun, runId }, deps);
  } catch (err) {
    failed("event-types", err);
  }
  try {
    // The queue retries a failed write for about 20 minutes; past that it has given up.
    const { requeueUnfinishedWrites } = await import("../../core/effects/calcom-writes.js");
    run.requeuedCalcomWrites = await requeueUnfinishedWrites(
      { dryRun: options.dryRun, runId, before: new Date(now.getTime() - UNFINISHED_WRITE_GRACE_MS) },
      deps,
    );
  } catch (err) {
    failed("calcom-writes", err);
  }

  // Event types of ours left in accounts coaches have left, whose removal failed so far.
  if (!options.dryRun) {
    try {
      for (const retired of await listRetiredWithEventTypes()) await removeRetiredEventTypes(retired.coachId, retired, deps);
    } catch (err) {
      failed("retired-event-types", err);
    }
  }

  // Coach credentials under an older key version re-wrapped (and plain ones sealed): key rotation's last step.
  if (!options.dryRun) {
    try {
      const { rewrapCredentials } = await import("../../core/credential-rewrap.js");
      for (const target of (await rewrapCredentials(deps.keyWrapper)).failed)
        run.errors.push({ target, code: "credentials/rewrap-failed" });
    } catch (err) {
      failed("credentials-rewrap", err);
    }
  }

  if (!options.dryRun) {
    await cursorRef.set(
      { calcomCursors: nextCursors, lastRunAt: Timestamp.fromDate(now) },
      { mergeFields: [...Object.keys(nextCursors).map((k) => new FieldPath("calcomCursors", k)), "lastRunAt"] },
    );
    await reconciliationRunDoc(runId).set({
      at: Timestamp.fromDate(now),
      bookings: run.bookings.map((b) => ({ bookingId: b.bookingId, kinds: b.drifts.map((d) => d.kind) })),
      orphanCalcomBookings: run.orphanCalcomBookings,
      orphanCheckoutSessions: run.orphanCheckoutSessions,
      errors: run.errors,
    });
  }
  log.info("reconcile.run", {
    runId,
    dryRun: options.dryRun,
    healed: run.bookings.length,
    orphanCalcomBookings: run.orphanCalcomBookings.length,
    orphanCheckoutSessions: run.orphanCheckoutSessions.length,
    errors: run.errors.length,
  });
  return run;
}
