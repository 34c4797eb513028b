import { isDeepStrictEqual } from "node:util";
import { catalogSettings } from "../../config/catalog-settings.js";
import { projectPublicCoach, unlistedReason } from "../../domain/catalog.js";
import { coachDoc, deletedUserDoc, getDb, publicCoachDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";

export type CatalogRefresh = "written" | "deleted" | "unchanged";

/**
 * Brings `publicCoaches/{coachId}` in line with the coach document: the projection while the
 * coach is listed, no document otherwise. Writes only what differs, so a redelivered trigger, or a
 * rewrite that changes nothing, writes nothing.
 */
export async function refreshPublicCoach(coachId: string): Promise<CatalogRefresh> {
  const settings = catalogSettings();
  return getDb().runTransaction(async (tx) => {
    const [coachSnap, deletedSnap, publicSnap] = await Promise.all([
      tx.get(coachDoc(coachId)),
      tx.get(deletedUserDoc(coachId)),
      tx.get(publicCoachDoc(coachId)),
    ]);
    const coach = coachSnap.data();
    const ctx = { ...settings, deleted: deletedSnap.exists };
    const wanted = coach ? projectPublicCoach(coachId, coach, ctx) : null;
    const current = publicSnap.data();
    if (wanted === null) {
      if (current === undefined) return "unchanged";
      tx.delete(publicCoachDoc(coachId));
      log.info("catalog.unlisted", { coachId, reason: coach ? unlistedReason(coach, ctx) : "no-coach" });
      return "deleted";
    }
    if (current !== undefined && isDeepStrictEqual(current, wanted)) return "unchanged";
    tx.set(publicCoachDoc(coachId), wanted);
    log.info("catalog.listed", { coachId, offerings: wanted.offerings.length });
    return "written";
  });
}
