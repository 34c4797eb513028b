import { FieldPath, type Query } from "firebase-admin/firestore";
import { catalogSettings } from "../../config/catalog-settings.js";
import { catalogQueryPlan, decodeCursor, encodeCursor, planKey, type PublicCoach } from "../../domain/catalog.js";
import type { CoachListing } from "../../domain/coach-profile.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import { coachDoc, getDb, publicCoachDoc, publicCoachesCollection, rawCoachDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { refreshPublicCoach, type CatalogRefresh } from "./catalog.projection.js";
import type { GetCoachInput, ListCoachesInput, SaveCoachProfileInput, SetCoachListingInput } from "./catalog.schemas.js";

/** A coach as the catalog answers it: the public document without the fields that serve queries. */
export type CatalogCoach = Omit<PublicCoach, "facets" | "sortKey" | "visibility">;

function asCatalogCoach(doc: PublicCoach): CatalogCoach {
  return {
    coachId: doc.coachId,
    displayName: doc.displayName,
    headline: doc.headline,
    bio: doc.bio,
    photoUrl: doc.photoUrl,
    languages: doc.languages,
    specialties: doc.specialties,
    timeZone: doc.timeZone,
    offerings: doc.offerings,
    priceFrom: doc.priceFrom,
    payoutsReady: doc.payoutsReady,
  };
}

/** Anonymous callers read the catalog only while CATALOG_PUBLIC_READ is on. */
function requireReader(caller: CallerContext): void {
  if (caller.uid === null && !catalogSettings().publicRead) throw new AppError("auth/unauthenticated", "Sign in to browse coaches.");
}

/** The caller's catalog profile, replaced whole; the trigger projects it into the catalog. */
export async function saveCoachProfile(input: SaveCoachProfileInput, caller: CallerContext) {
  const coachId = requireUid(caller);
  const { displayName, ...profile } = input;
  await getDb().runTransaction(async (tx) => {
    if (!(await tx.get(coachDoc(coachId))).exists) {
      throw new AppError("coach/not-found", "Sync your availability (or create your coach profile) before writing your catalog profile.");
    }
    tx.update(rawCoachDoc(coachId), { profile, ...(displayName !== undefined ? { displayName } : {}) });
  });
  log.info("catalog.profile-saved", { coachId, published: profile.published });
  return { coachId, profile, ...(displayName !== undefined ? { displayName } : {}) };
}

/**
 * An admin approves (or withdraws approval of) a coach, unpublishes them (or lifts it), then the
 * catalog document is rewritten at once: with no change asked, this rewrites it under the current
 * parameters (after CATALOG_PUBLIC_READ or CATALOG_APPROVAL_REQUIRED changed).
 */
export async function setCoachListing(
  input: SetCoachListingInput,
  caller: CallerContext,
  deps: Pick<Dependencies, "now">,
): Promise<{ coachId: string; listing: CoachListing; catalog: CatalogRefresh; listed: boolean }> {
  const uid = requireUid(caller);
  if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can approve or unpublish a coach.");
  const at = deps.now().toISOString();
  const listing = await getDb().runTransaction(async (tx) => {
    const coach = (await tx.get(coachDoc(input.coachId))).data();
    if (!coach) throw new AppError("coach/not-found", "There is no coach with this id.");
    const next: CoachListing = { ...coach.listing };
    if (input.approved !== undefined) next.approval = input.approved ? (coach.listing.approval ?? { by: uid, at }) : null;
    if (input.unpublished !== undefined) {
      next.unpublished = input.unpublished ? { by: uid, at, reason: input.reason ?? "" } : null;
    }
    tx.update(rawCoachDoc(input.coachId), { listing: next });
    return next;
  });
  log.info("catalog.listing-set", {
    coachId: input.coachId,
    by: uid,
    approved: listing.approval !== null,
    unpublished: listing.unpublished !== null,
  });
  const catalog = await refreshPublicCoach(input.coachId);
  const listed = (await publicCoachDoc(input.coachId).get()).exists;
  return { coachId: input.coachId, listing, catalog, listed };
}

/** One page of listed coaches matching the filters, in a stable order, and the token of the next. */
export async function listCoaches(
  input: ListCoachesInput,
  caller: CallerContext,
): Promise<{ coaches: CatalogCoach[]; nextPageToken: string | null }> {
  requireReader(caller);
  const plan = catalogQueryPlan(input);
  if ("refusal" in plan) throw new AppError("request/invalid", plan.refusal);
  let query: Query<PublicCoach> = publicCoachesCollection();
  if (plan.facet !== null) query = query.where("facets", "array-contains", plan.facet);
  if (plan.minPriceCents !== undefined) query = query.where(plan.orderField, ">=", plan.minPriceCents);
  if (plan.maxPriceCents !== undefined) query = query.where(plan.orderField, "<=", plan.maxPriceCents);
  query = query.orderBy(plan.orderField).orderBy(FieldPath.documentId());
  if (input.pageToken !== undefined) {
    const cursor = decodeCursor(input.pageToken, plan);
    if (cursor === null) throw new AppError("request/invalid", "This pageToken does not belong to this query: start again without it.");
    query = query.startAfter(cursor.o, cursor.id);
  }
  // One more than a page tells whether another page follows.
  const snap = await query.limit(input.pageSize + 1).get();
  const docs = snap.docs.slice(0, input.pageSize);
  const last = docs.at(-1);
  let nextPageToken: string | null = null;
  if (snap.docs.length > input.pageSize && last) {
    const order: unknown = last.get(plan.orderField);
    if (typeof order === "string" || typeof order === "number") nextPageToken = encodeCursor({ q: planKey(plan), o: order, id: last.id });
  }
  return { coaches: docs.map((d) => asCatalogCoach(d.data())), nextPageToken };
}

/** One listed coach's public profile and bookable offerings. */
export async function getCoach(input: GetCoachInput, caller: CallerContext): Promise<CatalogCoach> {
  requireReader(caller);
  const doc = (await publicCoachDoc(input.coachId).get()).data();
  if (!doc) throw new AppError("coach/not-found", "There is no listed coach with this id.");
  return asCatalogCoach(doc);
}
