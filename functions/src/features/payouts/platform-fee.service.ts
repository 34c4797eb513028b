import { FieldValue } from "firebase-admin/firestore";
import { AppError } from "../../domain/errors.js";
import { FeeScheduleSchema, type FeeSchedule } from "../../domain/payouts.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import { coachDoc, getDb, rawCoachDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { SetCoachPlatformFeeInput } from "./payouts.schemas.js";

/**
 * An admin sets (or clears, with null) a coach's override of the platform's fee,
 * `coaches/{id}.platformFee`. Only bookings made from now on take it: each booking froze its fee
 * when it was made (createBooking, feeFor).
 */
export async function setCoachPlatformFee(
  input: SetCoachPlatformFeeInput,
  caller: CallerContext,
): Promise<{ coachId: string; platformFee: FeeSchedule | null }> {
  const uid = requireUid(caller);
  if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can set a coach's platform fee.");
  // The schema the coach document is read with guards this partial write.
  const platformFee = input.fee === null ? null : FeeScheduleSchema.parse(input.fee);
  await getDb().runTransaction(async (tx) => {
    if (!(await tx.get(coachDoc(input.coachId))).exists) throw new AppError("coach/not-found", "There is no coach with this id.");
    tx.update(rawCoachDoc(input.coachId), { platformFee: platformFee ?? FieldValue.delete() });
  });
  log.info("payouts.fee-override-set", {
    coachId: input.coachId,
    by: uid,
    basisPoints: platformFee?.basisPoints ?? null,
    // As PLATFORM_FEE_FIXED is written: eur:50,usd:50.
    fixed: platformFee
      ? Object.entries(platformFee.fixedCents)
          .map(([currency, cents]) => `${currency}:${cents}`)
          .join(",")
      : null,
  });
  return { coachId: input.coachId, platformFee };
}
