import { AppError } from "../../domain/errors.js";
import { effectiveLimits } from "../../domain/limits.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import { coachDoc, getDb, rawCoachDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";

import type { SaveSchedulingLimitsInput } from "./limits.schemas.js";

/**
 * Sets some of the caller's scheduling limits (the others keep their value). The coach trigger
 * then updates every event type of theirs in Cal.com, idempotently; bookings already made keep
 * the limits they were made under.
 */
export async function saveSchedulingLimits(input: SaveSchedulingLimitsInput, caller: CallerContext) {
  const coachId = requireUid(caller);
  return getDb().runTransaction(async (tx) => {
    const coach = (await tx.get(coachDoc(coachId))).data();
    if (!coach) throw new AppError("coach/not-found", "Sync your availability (or create your coach profile) before setting limits.");
    const schedulingLimits = { ...coach.schedulingLimits, ...input.limits };
    tx.update(rawCoachDoc(coachId), { schedulingLimits });
    log.info("limits.saved", { coachId, fields: Object.keys(input.limits).join(",") });
    return { coachId, schedulingLimits, effective: effectiveLimits(schedulingLimits, undefined) };
  });
}
