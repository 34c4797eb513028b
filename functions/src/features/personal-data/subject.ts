import { AppError } from "../../domain/errors.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { PersonalDataInput } from "./personal-data.schemas.js";

/** The account a personal-data request is about: the caller's own, or any one an admin names. */
export function subjectOf(input: PersonalDataInput, caller: CallerContext, refusal: string): { uid: string; byAdmin: boolean } {
  const uid = requireUid(caller);
  const subject = input?.uid ?? uid;
  if (subject !== uid && !caller.isAdmin) throw new AppError("auth/permission-denied", refusal);
  return { uid: subject, byAdmin: subject !== uid };
}
