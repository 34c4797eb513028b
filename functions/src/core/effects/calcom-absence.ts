import { calcomAbsence, type Attendance } from "../../domain/attendance.js";
import type { Booking } from "../../domain/booking.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { accountOfBooking } from "../calcom-accounts.repository.js";
import { patchBooking, requireBooking } from "../bookings.repository.js";
import { exhausted, recordFailure } from "./attempts.js";

/** Whether Cal.com has yet to be shown the booking's latest no-show marks (mark-absent). */
export function absenceUnmirrored(booking: Booking): booking is Booking & { attendance: Attendance; calcomBookingUid: string } {
  return (
    booking.attendance !== null && booking.attendance.revision > booking.attendance.mirroredRevision && booking.calcomBookingUid !== null
  );
}

/**
 * Shows Cal.com the booking's no-show marks as they stand (mark-absent, safe to repeat), then
 * records the revision it sent as mirrored, never lowering it: a later change waits for the next
 * run. Cal.com echoes an attendee mark back as BOOKING_NO_SHOW_UPDATED, which changes nothing
 * here. Returns the end of a Cal.com rate-limit block that stopped it (null otherwise).
 */
export async function mirrorAbsenceToCalcom(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  if (!absenceUnmirrored(booking) || exhausted(booking, "calcom-absent")) return null;
  const { revision } = booking.attendance;
  const now = deps.now();
  try {
    await deps.bookingCalendar.markAbsent(
      await accountOfBooking(booking, deps),
      booking.calcomBookingUid,
      calcomAbsence(booking.attendance),
    );
  } catch (err) {
    return recordFailure(bookingId, "calcom-absent", err, now);
  }
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.attendance === null || current.attendance.mirroredRevision >= revision) return;
    patchBooking(tx, bookingId, current, { attendance: { ...current.attendance, mirroredRevision: revision } }, now);
  });
  log.info("booking.absence-mirrored", { bookingId, revision });
  return null;
}
