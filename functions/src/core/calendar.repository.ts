import type { Transaction } from "firebase-admin/firestore";
import { DEFAULT_SCHEDULING_LIMITS, MAX_CALENDAR_INTERVALS, MAX_UNPAID_HOLDS_TOTAL, busyUntilMs, clashes } from "../domain/limits.js";
import type { Booking } from "../domain/booking.js";
import { AppError } from "../domain/errors.js";
import { epochMs } from "../domain/time.js";
import { bookingDoc, coachCalendarDoc, deletedUserDoc, getDb, studentHoldsDoc } from "../shared/firestore.js";
import { CoachCalendarSchema, type CoachCalendar } from "../shared/firestore-records.js";
import { isContention, retryingContention } from "../shared/contention.js";

/** The version of a coach's freed intervals (see CoachCalendarSchema), read outside any transaction. */
export async function calendarFreedVersion(coachId: string): Promise<number> {
  const snap = await coachCalendarDoc(coachId).get();
  return (snap.data() ?? CoachCalendarSchema.parse({})).freedVersion;
}
function buffersOf(booking: Booking) {
  return { bufferBeforeMinutes: booking.limits?.bufferBeforeMinutes ?? 0, bufferAfterMinutes: booking.limits?.bufferAfterMinutes ?? 0 };
}
async function readCalendar(tx: Transaction, coachId: string): Promise<CoachCalendar> {
  const snap = await tx.get(coachCalendarDoc(coachId));
  return snap.data() ?? CoachCalendarSchema.parse({});
}
const CONTENTION_ROUNDS = 4;

/** Refuses one more interval in a calendar already holding `live` ones (the document's bound). */
function checkRoom(live: CoachCalendar["intervals"]): void {
  if (live.length >= MAX_CALENDAR_INTERVALS) {
    throw new AppError(
      "coach/calendar-full",
      "This coach's calendar is full for now: no more sessions can be booked until some have taken place or been cancelled.",
    );
  }
}

/**
 * Reserves the booking's interval for its coach and creates the booking, atomically, refusing a
 * student who already has `maxUpcoming` upcoming sessions with this coach.
 */
export async function reserveAndCreate(bookingId: string, booking: Booking, nowMs: number, maxUpcoming: number): Promise<void> {
  try {
    // Many callers on one coach's calendar at once: a transaction that lost wrote nothing and runs again.
    await retryingContention(() => reserveAndCreateOnce(bookingId, booking, nowMs, maxUpcoming), CONTENTION_ROUNDS);
  } catch (err) {
    if (isContention(err))
      throw new AppError("request/in-progress", "Many people are booking this coach right now. Please try again.", { cause: err });
    throw err;
  }
}
async function reserveAndCreateOnce(bookingId: string, booking: Booking, nowMs: number, maxUpcoming: number): Promise<void> {
  const ref = bookingDoc(bookingId);
  await getDb().runTransaction(
    async (tx) => {
      // An account being deleted (its marker is written before its bookings are listed) gets no
      // new booking: one reserved after that listing would never be cancelled or erased.
      const [studentGone, coachGone] = await tx.getAll(deletedUserDoc(booking.userId), deletedUserDoc(booking.coachId));
      if (studentGone?.exists === true || coachGone?.exists === true) {
        throw new AppError("auth/permission-denied", "This account was deleted: no session can be booked with it.");
      }
      const calendar = await readCalendar(tx, booking.coachId);
      const live = calendar.intervals.filter((i) => busyUntilMs(i) > nowMs);
      const wanted = { start: booking.startTime, end: booking.endTime, ...buffersOf(booking) };
      if (live.some((i) => clashes(i, wanted))) {
        throw new AppError("booking/slot-unavailable", "This time is no longer available. Please pick another slot.");
      }
      checkRoom(live);
      const upcoming = new Set(live.filter((i) => i.userId === booking.userId).map((i) => i.bookingId));
      if (upcoming.size >= maxUpcoming) {
        throw new AppError(
          "booking/too-many-bookings",
          `You already have ${maxUpcoming} upcoming sessions with this coach. Book more once some have taken place or been cancelled.`,
        );
      }
      const holds = await liveHolds(tx, booking.userId, nowMs);
      const perCoach = booking.limits?.maxUnpaidHoldsPerCoach ?? DEFAULT_SCHEDULING_LIMITS.maxUnpaidHoldsPerCoach;
      if (holds.filter((h) => h.coachId === booking.coachId).length >= perCoach) {
        throw new AppError(
          "booking/too-many-holds",
          `You already have ${perCoach === 1 ? "an unpaid booking" : `${perCoach} unpaid bookings`} with this coach. Pay for it or cancel it before booking another.`,
        );
      }
      if (holds.length >= MAX_UNPAID_HOLDS_TOTAL) {
        throw new AppError(
          "booking/too-many-holds",
          `You have ${MAX_UNPAID_HOLDS_TOTAL} unpaid bookings. Pay for one or cancel it before booking another.`,
        );
      }
      tx.set(coachCalendarDoc(booking.coachId), {
        intervals: [...live, { bookingId, userId: booking.userId, ...wanted }],
        freedVersion: calendar.freedVersion,
      });
      tx.set(studentHoldsDoc(booking.userId), {
        holds: [...holds, { bookingId, coachId: booking.coachId, expiresAt: booking.holdExpiresAt ?? new Date(nowMs).toISOString() }],
      });
      tx.create(ref, booking);
    },
    { maxAttempts: 50 },
  );
}
/** A student's holds that still count: unpaid, unexpired (reads only: call before any write). */
async function liveHolds(tx: Transaction, userId: string, nowMs: number) {
  const recorded = ((await tx.get(studentHoldsDoc(userId))).data()?.holds ?? []).filter((h) => epochMs(h.expiresAt) > nowMs);
  const snaps = recorded.length > 0 ? await tx.getAll(...recorded.map((h) => bookingDoc(h.bookingId))) : [];
  return recorded.filter((_, i) => {
    const b = snaps[i]?.data();
    return b !== undefined && b.status === "requested" && b.paymentStatus === "pending";
  });
}
/**
 * Reserves, for a booking being moved, its new interval beside the one it holds, inside a
 * transaction (reads first: call before any write). Overlap with the booking's own intervals is
 * allowed (moving by half an hour); with anyone else's, it is `booking/cannot-reschedule`.
 */
export async function reserveMoveInTx(
  tx: Transaction,
  coachId: string,
  bookingId: string,
  wanted: { start: string; end: string; bufferBeforeMinutes?: number; bufferAfterMinutes?: number },
  nowMs: number,
): Promise<() => void> {
  const calendar = await readCalendar(tx, coachId);
  const live = calendar.intervals.filter((i) => busyUntilMs(i) > nowMs || i.bookingId === bookingId);
  if (live.some((i) => i.bookingId !== bookingId && clashes(i, wanted))) {
    throw new AppError(
      "booking/cannot-reschedule",
      "This time is no longer available. Please pick another slot: your booking is unchanged.",
    );
  }
  checkRoom(live);
  const userId = live.find((i) => i.bookingId === bookingId)?.userId;
  return () => {
    tx.set(coachCalendarDoc(coachId), {
      intervals: [...live, { bookingId, ...(userId === undefined ? {} : { userId }), ...wanted }],
      freedVersion: calendar.freedVersion,
    });
  };
}
/** Drops one interval of a booking (the old one after a move, or the new one of an abandoned move), read first. */
export async function releaseIntervalInTx(
  tx: Transaction,
  coachId: string,
  bookingId: string,
  interval: { start: string; end: string },
): Promise<() => void> {
  const calendar = await readCalendar(tx, coachId);
  const index = calendar.intervals.findIndex(
    (i) => i.bookingId === bookingId && epochMs(i.start) === epochMs(interval.start) && epochMs(i.end) === epochMs(interval.end),
  );
  return () => {
    if (index >= 0)
      tx.set(coachCalendarDoc(coachId), {
        intervals: calendar.intervals.filter((_, n) => n !== index),
        freedVersion: calendar.freedVersion + 1,
      });
  };
}
/** Replaces one interval of a booking by another (a move made in Cal.com, which checked the slot), read first. */
export async function moveIntervalInTx(
  tx: Transaction,
  coachId: string,
  bookingId: string,
  from: { start: string; end: string },
  to: { start: string; end: string },
): Promise<() => void> {
  const calendar = await readCalendar(tx, coachId);
  const index = calendar.intervals.findIndex(
    (i) => i.bookingId === bookingId && epochMs(i.start) === epochMs(from.start) && epochMs(i.end) === epochMs(from.end),
  );
  return () => {
    const old = calendar.intervals[index];
    const kept = {
      ...(old?.userId === undefined ? {} : { userId: old.userId }),
      bufferBeforeMinutes: old?.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: old?.bufferAfterMinutes ?? 0,
    };
    tx.set(coachCalendarDoc(coachId), {
      intervals: [...calendar.intervals.filter((_, n) => n !== index), { bookingId, ...to, ...kept }],
      freedVersion: calendar.freedVersion + 1,
    });
  };
}
/** The coach's live intervals other than this booking's, with their buffers, inside a transaction (a read: call before any write). */
export async function otherLiveIntervalsInTx(tx: Transaction, coachId: string, bookingId: string, nowMs: number) {
  return (await readCalendar(tx, coachId)).intervals.filter((i) => i.bookingId !== bookingId && epochMs(i.end) > nowMs);
}
/** Drops a booking's interval from its coach's calendar, inside a transaction (read first). */
export async function releaseInTx(tx: Transaction, coachId: string, bookingId: string): Promise<() => void> {
  const calendar = await readCalendar(tx, coachId);
  return () => {
    tx.set(coachCalendarDoc(coachId), {
      intervals: calendar.intervals.filter((i) => i.bookingId !== bookingId),
      freedVersion: calendar.freedVersion + 1,
    });
  };
}
