import { AppError } from "../../domain/errors.js";
import type { Offering } from "../../domain/offering.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingsCollection, coachDoc, getDb, rawCoachDoc } from "../../shared/firestore.js";
import type { RemoveOfferingInput, SaveOfferingInput } from "./offerings.schemas.js";

/** Adds or replaces one of the caller's offerings (keeping its Cal.com link); the trigger syncs Cal.com. */
export async function saveOffering(input: SaveOfferingInput, caller: CallerContext) {
  const coachId = requireUid(caller);
  return getDb().runTransaction(async (tx) => {
    const snap = await tx.get(coachDoc(coachId));
    const coach = snap.data();
    if (!coach) throw new AppError("coach/not-found", "Sync your availability (or create your coach profile) before adding offerings.");
    const previous = coach.customOfferings.find((o) => o.id === input.offering.id);
    // A new length gets a new event type (the sync links it): until then nothing can be booked at
    // the new length in the old one, whose bookings keep theirs.
    const sameEventType = previous !== undefined && previous.durationMinutes === input.offering.durationMinutes;
    const offering: Offering = { ...input.offering, calcomEventTypeId: sameEventType ? previous.calcomEventTypeId : null };
    const customOfferings = previous
      ? coach.customOfferings.map((o) => (o.id === offering.id ? offering : o))
      : [...coach.customOfferings, offering];
    tx.update(rawCoachDoc(coachId), { customOfferings });
    return { offering, created: !previous };
  });
}

/**
 * Removes one of the caller's offerings from sale. Its bookings keep what they were sold: the
 * trigger retires its Cal.com event type, deleted once no live booking needs it (`liveBookings`
 * says how many still do now).
 */
export async function removeOffering(input: RemoveOfferingInput, caller: CallerContext, deps: Pick<Dependencies, "now">) {
  const coachId = requireUid(caller);
  const removed = await getDb().runTransaction(async (tx) => {
    const coach = (await tx.get(coachDoc(coachId))).data();
    if (!coach?.customOfferings.some((o) => o.id === input.offeringId)) {
      throw new AppError("offering/not-found", "You have no offering with this id.");
    }
    tx.update(rawCoachDoc(coachId), { customOfferings: coach.customOfferings.filter((o) => o.id !== input.offeringId) });
    return { offeringId: input.offeringId, removed: true };
  });
  const live = await bookingsCollection()
    .where("coachId", "==", coachId)
    .where("offeringId", "==", input.offeringId)
    .where("endTime", ">", deps.now())
    .get();
  return { ...removed, liveBookings: live.docs.filter((d) => d.data().status !== "cancelled").length };
}
