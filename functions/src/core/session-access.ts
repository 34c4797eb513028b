import { Timestamp } from "firebase-admin/firestore";
import type { Booking } from "../domain/booking.js";
import { errorCodeOf } from "../domain/errors.js";
import type { Dependencies } from "../ports/dependencies.js";
import { coachDoc, getDb, sessionAccessDoc } from "../shared/firestore.js";
import { log } from "../shared/logger.js";
import { accountOfBooking } from "./calcom-accounts.repository.js";
import { readBooking } from "./bookings.repository.js";

/** A session its student has access to: confirmed in Cal.com and not cancelled (completed and no-show ones stay). */
function hasAccess(booking: Booking): boolean {
  return (
    (booking.status === "confirmed" || booking.status === "completed" || booking.status === "no-show") && booking.calcomBookingUid !== null
  );
}

/**
 * Writes `sessionAccess/{bookingId}` for a confirmed session: Cal.com's link for it (`meetingUrl`
 * as Cal.com just answered it, else read from Cal.com) and the coach's contact. Called when a
 * booking is confirmed and when it moved (a new Cal.com booking, a new link). A booking that is
 * not live has none (its document is deleted). A link Cal.com could not be asked for keeps the
 * one already written.
 */
export async function saveSessionAccess(
  bookingId: string,
  deps: Dependencies,
  known?: { meetingUrl?: string | null | undefined },
): Promise<void> {
  try {
    await writeSessionAccess(bookingId, deps, known?.meetingUrl);
  } catch (err) {
    // Never fails what called it (a confirmation, a move): the next confirmation or move writes it again.
    log.error("session-access.write-failed", { bookingId, code: errorCodeOf(err) }, err);
  }
}

async function writeSessionAccess(bookingId: string, deps: Dependencies, knownUrl: string | null | undefined): Promise<void> {
  const booking = await readBooking(bookingId);
  if (!booking || !hasAccess(booking)) {
    await removeSessionAccess(bookingId);
    return;
  }
  const ref = sessionAccessDoc(bookingId);
  let meetingUrl = knownUrl;
  if (meetingUrl === undefined) {
    try {
      meetingUrl = (await deps.bookingCalendar.getBooking(await accountOfBooking(booking, deps), booking.calcomBookingUid ?? ""))
        .meetingUrl;
    } catch (err) {
      log.warn("session-access.link-unread", { bookingId, code: errorCodeOf(err) });
      meetingUrl = (await ref.get()).data()?.meetingUrl ?? null;
    }
  }
  const [coach, email] = await Promise.all([
    coachDoc(booking.coachId)
      .get()
      .then((s) => s.data()),
    deps.emailOf(booking.coachId).catch(() => null),
  ]);
  const contact = { displayName: coach?.displayName ?? null, email };
  // Written against the booking as it is now: a cancellation meanwhile must not leave a link behind.
  await getDb().runTransaction(async (tx) => {
    const current = await readBooking(bookingId, tx);
    if (!current || !hasAccess(current)) {
      tx.delete(ref);
      return;
    }
    tx.set(ref, {
      bookingId,
      userId: current.userId,
      coachId: current.coachId,
      meetingUrl: meetingUrl ?? null,
      coachContact: contact,
      updatedAt: Timestamp.fromDate(deps.now()),
    });
  });
}

/** Takes a session's protected data away (a cancellation, an erased account). */
export async function removeSessionAccess(bookingId: string): Promise<void> {
  await sessionAccessDoc(bookingId).delete();
}
