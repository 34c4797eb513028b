import { Timestamp } from "firebase-admin/firestore";
import { AppError } from "../../domain/errors.js";
import { calcomApi } from "../../integrations/calcom/calcom-api.js";
import { calcomToAppError } from "../../integrations/calcom/calcom-error-map.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { saveCalcomCredential } from "./calcom-accounts.repository.js";

import type { ConnectCalcomAccountInput } from "./calcom-accounts.schemas.js";

/**
 * Connects the caller's own Cal.com account: the key is checked against Cal.com (`GET /v2/me`)
 * and kept where no client can read it. Later syncs of this coach go through that account.
 */
export async function connectCalcomAccount(input: ConnectCalcomAccountInput, caller: CallerContext, deps: Dependencies) {
  const coachId = requireUid(caller);
  let me;
  try {
    me = await calcomApi.getMe(deps.calcomClient, input.apiKey);
  } catch (err) {
    const mapped = calcomToAppError(err);
    if (mapped instanceof AppError && mapped.code === "calcom/unauthorized") {
      throw new AppError("request/invalid", "Cal.com did not accept this API key.");
    }
    throw mapped;
  }
  await saveCalcomCredential(coachId, { kind: "apiKey", apiKey: input.apiKey, calcomUserId: me.id, connectedAt: Timestamp.fromDate(deps.now()) });
  // A different Cal.com user than before: the next sync makes a fresh schedule in the new account.
  const coachRef = getDb().collection("coaches").doc(coachId);
  const coach = await coachRef.get();
  if (coach.exists && coach.get("calcomUserId") !== me.id) {
    await coachRef.update({ calcomUserId: me.id, calcomScheduleId: null, calcomMode: "connected" });
  }
  log.info("calcom.account-connected", { coachId, calcomUserId: me.id });
  return { calcomUserId: me.id, mode: "connected" as const };
}
