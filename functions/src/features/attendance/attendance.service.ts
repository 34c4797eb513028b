import type { Attendance, AttendanceOutcome } from "../../domain/attendance.js";
import type { Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { roleOf } from "../../domain/reschedule-plan.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import { log } from "../../shared/logger.js";
import { requireBooking } from "../../core/bookings.repository.js";
import { completeSession, recordAbsenceMark, resolveAttendance } from "../../core/effects/attendance.js";
import type { CompleteBookingInput, MarkNoShowInput, ResolveNoShowInput } from "./attendance.schemas.js";

/** What the attendance callables answer: the booking's state and who came, as it now stands. */
export interface AttendanceOut {
  bookingId: string;
  status: Booking["status"];
  paymentStatus: Booking["paymentStatus"];
  outcome: AttendanceOutcome | null;
  awaitingAdmin: boolean;
  coachMark: Attendance["coachMark"];
  studentMark: Attendance["studentMark"];
}

function outOf(bookingId: string, booking: Booking): AttendanceOut {
  const a = booking.attendance;
  return {
    bookingId,
    status: booking.status,
    paymentStatus: booking.paymentStatus,
    outcome: a?.outcome ?? null,
    awaitingAdmin: a?.awaitingAdminSince != null,
    coachMark: a?.coachMark ?? null,
    studentMark: a?.studentMark ?? null,
  };
}

/**
 * `markNoShow`: between the session's start and its completion the coach marks the student absent
 * (the payment is kept) or themselves (the student is refunded in full), and the student reports
 * the coach absent (the coach agrees, or an admin decides). Mirrored to Cal.com by the trigger.
 */
export async function markNoShow(input: MarkNoShowInput, caller: CallerContext, deps: Dependencies): Promise<AttendanceOut> {
  const uid = requireUid(caller);
  const booking = await requireBooking(input.bookingId);
  const role = roleOf(booking, uid, false);
  if (role === null || role === "admin")
    throw new AppError(
      "auth/permission-denied",
      caller.isAdmin
        ? "An admin decides a no-show with resolveNoShow."
        : "Only the student or the coach of this session can report a no-show.",
    );
  const { booking: after, changed } = await recordAbsenceMark(input.bookingId, { by: role, absent: input.absent, via: "app" }, deps);
  if (changed) log.info("booking.no-show-marked", { bookingId: input.bookingId, by: role, absent: input.absent });
  return outOf(input.bookingId, after);
}

/** `resolveNoShow`: an admin decides who came (attended, student absent, coach absent: refund in full). */
export async function resolveNoShow(input: ResolveNoShowInput, caller: CallerContext, deps: Dependencies): Promise<AttendanceOut> {
  requireUid(caller);
  if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can decide a no-show.");
  const after = await resolveAttendance(input.bookingId, { outcome: input.outcome, reason: input.reason }, deps);
  log.info("booking.no-show-resolved", { bookingId: input.bookingId, outcome: input.outcome });
  return outOf(input.bookingId, after);
}

/** `completeBooking`: an admin completes a session after its start, before its grace period is over. */
export async function completeBooking(input: CompleteBookingInput, caller: CallerContext, deps: Dependencies): Promise<AttendanceOut> {
  requireUid(caller);
  if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can complete a session early.");
  const before = await requireBooking(input.bookingId);
  if (before.status === "completed" || before.status === "no-show") return outOf(input.bookingId, before);
  await completeSession(input.bookingId, deps, { by: "admin" });
  return outOf(input.bookingId, await requireBooking(input.bookingId));
}
