import { expireStaleHolds } from "../../src/core/effects/hold-expiry.js";
import { completeDueSessions } from "../../src/core/effects/attendance.js";
import { payOutDueSessions } from "../../src/core/effects/payouts.js";
import { resyncOutstandingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { reconcileBooking, reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { advance } from "./commands.js";
import { deliverAll, observe, processingSessions, runDocs, triggers, type RunState } from "./run-state.js";
import type { World } from "./world.js";

async function reconcileAll(world: World, run: RunState, round: number): Promise<void> {
  await reconcileRecent({ dryRun: false }, world.deps).catch(() => undefined);
  for (const { id } of await runDocs(run)) {
    await reconcileBooking(id, { dryRun: false, runId: `model-${world.clockMs}-${round}` }, world.deps).catch(() => undefined);
  }
}

/**
 * What production has once a run's commands stop: faults gone, every event delivered, disputes
 * decided, the triggers, reconciliation every 10 minutes, the payout sweep, and holds left
 * unpaid expiring. After
 * it, nothing may be stuck and Firestore, Cal.com and Stripe must agree.
 */
export async function quiesce(world: World, run: RunState): Promise<void> {
  world.calcom.clearFaults();
  world.stripe.clearFaults();
  // Delayed payments settle (successfully: the failure path is the commands').
  for (const session of processingSessions(world, run)) {
    world.stripe.settleDelayedPayment(session.id, "succeeded");
  }
  for (const d of run.disputes.filter((x) => !x.closed)) {
    world.stripe.closeDispute(d.id, d.outcome);
    d.closed = true;
  }
  await deliverAll(world, run);
  for (const [round, minutes] of [11, 40, 11, 11].entries()) {
    await advance(run, world, minutes);
    if (round === 1) await expireStaleHolds(world.deps).catch(() => undefined);
    if (round === 1) await completeDueSessions(world.deps).catch(() => undefined);
    await deliverAll(world, run);
    await reconcileAll(world, run, round);
    // The payout schedule (every 15 minutes): transfers now due, intents left unfinished.
    await payOutDueSessions(world.deps).catch(() => undefined);
    await triggers(world, run);
    await deliverAll(world, run);
  }
  // What the next reconciliation does for the coach's event types: the syncs left outstanding
  // (a retired event type whose last booking was cancelled since) run again.
  await triggers(world, run);
  await resyncOutstandingEventTypes({ dryRun: false, runId: `model-${world.clockMs}-event-types` }, world.deps).catch(() => undefined);
  observe(run, await runDocs(run), world.clockMs);
}
