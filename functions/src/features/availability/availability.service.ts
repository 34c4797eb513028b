import { DateTime } from "luxon";
import { AppError } from "../../domain/errors.js";
import { AvailabilitySchema, type Availability, type Interval } from "../../domain/availability.js";
import { COACH_NOT_SYNCED_MESSAGE, type Coach } from "../../domain/coach.js";
import {
  MAX_BUFFER_MINUTES,
  bookingRefusal,
  busyUntilMs,
  clashes,
  effectiveLimits,
  type BufferedInterval,
  type SchedulingLimits,
} from "../../domain/limits.js";
import { localSlots } from "../../domain/slots.js";
import { cachedSlots, slotCacheKey } from "./slot-cache.js";
import { MINUTE_MS, epochMs, toUtcIso } from "../../domain/time.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingDoc, bookingsCollection, coachDoc, rawCoachDoc } from "../../shared/firestore.js";
import { withLease } from "../../shared/lease.js";
import { log } from "../../shared/logger.js";
import type { WeeklyRow } from "../../ports/scheduling.port.js";
import { resolveCalcomAccount } from "../../core/calcom-accounts.repository.js";
import { attachCalcomUser } from "../../core/calcom-users.js";
import { sameOfferingTarget } from "../../domain/reschedule-plan.js";
import type { AvailableSlotsOut, GetAvailableSlotsInput, SyncAvailabilityInput } from "./availability.schemas.js";

const MAX_RANGE_DAYS = 62;

const EMAIL_UNVERIFIED_MESSAGE =
  "Verify your email address first (follow the link we sent you), then sync again: your Cal.com account is created for a verified email only.";

const DAY_NAME = {
  monday: "Monday",
  tuesday: "Tuesday",
  wednesday: "Wednesday",
  thursday: "Thursday",
  friday: "Friday",
  saturday: "Saturday",
  sunday: "Sunday",
} as const;

/** Our weekly slots as Cal.com schedule rows (one row per distinct time range). */
export function toCalcomRows(availability: Availability): WeeklyRow[] {
  const rows = new Map<string, WeeklyRow>();
  for (const slot of availability.slots) {
    // Cal.com's clock has no 24:00; 23:59 is its end of day.
    const endTime = slot.endTime === "24:00" ? "23:59" : slot.endTime;
    const key = `${slot.startTime}-${endTime}`;
    const row = rows.get(key) ?? { days: [], startTime: slot.startTime, endTime };
    row.days.push(DAY_NAME[slot.day]);
    rows.set(key, row);
  }
  return [...rows.values()];
}

/**
 * "Sync with Cal.com": saves the local copy of the availability, then provisions the coach in
 * Cal.com on first sync (user, then schedule, each recorded as soon as it exists) or updates the
 * same schedule on later syncs. In organization mode a first sync needs a verified email, and
 * adopts an existing member only when we created it for this coach (see the gateway and calcom-users).
 */
export async function syncAvailability(input: SyncAvailabilityInput, caller: CallerContext, deps: Dependencies) {
  const uid = requireUid(caller);
  if (uid !== input.coachId && !caller.isAdmin) {
    throw new AppError("auth/permission-denied", "You can only sync your own availability.");
  }
  const { coachId, availability } = input;
  const ref = rawCoachDoc(coachId);
  // The local copy is written first and always: the slot fallback reads it when Cal.com is down.
  await ref.set({ timeZone: availability.timeZone, availabilitySlots: availability.slots }, { merge: true });

  return withLease(`calcom-sync-${coachId}`, 60_000, deps.now, async () => {
    const coach = (await coachDoc(coachId).get()).data();
    const account = await resolveCalcomAccount(coachId, deps);
    let calcomUserId = coach?.calcomUserId ?? null;
    let provisioned = false;
    if (calcomUserId === null) {
      // An organization user is found by email: only the owner of a verified one may have it.
      if (account.mode === "organization" && !(await deps.isEmailVerified(coachId))) {
        throw new AppError("auth/email-unverified", EMAIL_UNVERIFIED_MESSAGE);
      }
      const email = await deps.emailOf(coachId);
      const user = await deps.scheduling.provisionUser(account, { coachId, email, timeZone: availability.timeZone });
      calcomUserId = user.calcomUserId;
      await attachCalcomUser(coachId, calcomUserId, account.mode, deps.now());
      provisioned = true;
      if (user.adopted) log.info("calcom.user-adopted", { coachId, calcomUserId });
    }
    const { scheduleId, created } = await deps.scheduling.saveSchedule(account, {
      calcomUserId,
      scheduleId: coach?.calcomScheduleId ?? null,
      timeZone: availability.timeZone,
      rows: toCalcomRows(availability),
    });
    await ref.set({ calcomScheduleId: scheduleId, calcomMode: account.mode }, { merge: true });
    log.info("availability.synced", { coachId, calcomUserId, scheduleId, provisioned, scheduleCreated: created, mode: account.mode });
    return { coachId, calcomUserId, calcomScheduleId: scheduleId, mode: account.mode, provisioned, scheduleCreated: created, availability };
  });
}

function rangeOf(input: GetAvailableSlotsInput, zone: string): { from: string; to: string } {
  const bound = (value: string, end: boolean) => {
    const isDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
    const dt = isDate ? DateTime.fromISO(value, { zone }).plus(end ? { days: 1 } : {}) : DateTime.fromISO(value, { setZone: true });
    return toUtcIso(dt);
  };
  const from = bound(input.dateFrom, false);
  const to = bound(input.dateTo, true);
  if (epochMs(to) <= epochMs(from)) throw new AppError("request/invalid", "dateTo must be after dateFrom.");
  if (epochMs(to) - epochMs(from) > MAX_RANGE_DAYS * 86_400_000) {
    throw new AppError("request/invalid", `Ask for at most ${MAX_RANGE_DAYS} days of slots at a time.`);
  }
  return { from, to };
}

/**
 * Our live bookings (pending holds and confirmed) of a coach that may clash with a slot of a
 * range, any offering: buffers included, so a session that ended before the range (or starts
 * after it) still counts while a buffer, its own or the slot's, may reach into the range.
 */
async function liveBookingIntervals(coachId: string, from: string, to: string, except: string | null): Promise<BufferedInterval[]> {
  const reachMs = MAX_BUFFER_MINUTES * MINUTE_MS;
  const snap = await bookingsCollection()
    .where("coachId", "==", coachId)
    .where("status", "in", ["requested", "confirmed"])
    .where("startTime", "<", new Date(epochMs(to) + reachMs))
    .get();
  return snap.docs
    .filter((d) => d.id !== except)
    .map((d) => d.data())
    .map((b) => ({
      start: b.startTime,
      end: b.endTime,
      bufferBeforeMinutes: b.limits?.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: b.limits?.bufferAfterMinutes ?? 0,
    }))
    .filter((i) => busyUntilMs(i) + reachMs > epochMs(from));
}

/**
 * What the slots are for: an offering's event type as it is sold now, or (with `bookingId`) a
 * booked session's own event type, at its own length, for moving it within its offering.
 */
async function slotSubject(
  input: GetAvailableSlotsInput,
  caller: CallerContext,
  coach: Coach,
): Promise<{ durationMinutes: number; limits: SchedulingLimits; ownBookingId: string | null; ownCalcomUid: string | undefined }> {
  if (input.bookingId === undefined) {
    const offering = coach.customOfferings.find((o) => o.calcomEventTypeId === input.eventTypeId);
    if (!offering) throw new AppError("offering/not-found", "This coach has no offering with that event type.");
    return {
      durationMinutes: offering.durationMinutes,
      limits: effectiveLimits(coach.schedulingLimits, offering.schedulingLimits),
      ownBookingId: null,
      ownCalcomUid: undefined,
    };
  }
  const booking = (await bookingDoc(input.bookingId).get()).data();
  if (!booking || (booking.userId !== caller.uid && booking.coachId !== caller.uid && !caller.isAdmin))
    throw new AppError("booking/not-found", "There is no booking with this id.");
  if (booking.coachId !== input.coachId || booking.calcomEventTypeId !== input.eventTypeId) {
    throw new AppError(
      "request/invalid",
      `This booking is in event type ${booking.calcomEventTypeId ?? "none"} of coach ${booking.coachId}: ask for the slots of those.`,
    );
  }
  const { durationMinutes, limits } = sameOfferingTarget(booking, coach);
  return { durationMinutes, limits, ownBookingId: input.bookingId, ownCalcomUid: booking.calcomBookingUid ?? undefined };
}

/**
 * Free slots for an offering: Cal.com's live answer minus every live booking of ours for the
 * coach (Cal.com blocks a pending booking only within its own event type); when Cal.com cannot
 * answer, slots computed from our copy of the availability, marked `source: "local"`.
 */
export async function getAvailableSlots(
  input: GetAvailableSlotsInput,
  caller: CallerContext,
  deps: Dependencies,
): Promise<AvailableSlotsOut> {
  requireUid(caller);
  const coach = (await coachDoc(input.coachId).get()).data();
  if (!coach) throw new AppError("coach/not-found", "There is no coach with this id.");
  if (coach.calcomUserId === null || coach.calcomScheduleId === null) throw new AppError("coach/not-synced", COACH_NOT_SYNCED_MESSAGE);
  const { durationMinutes, limits, ownBookingId, ownCalcomUid } = await slotSubject(input, caller, coach);

  const zone = input.timeZone ?? coach.timeZone;
  const { from, to } = rangeOf(input, zone);
  const now = toUtcIso(DateTime.fromJSDate(deps.now()));
  const busy = await liveBookingIntervals(input.coachId, from, to, ownBookingId);

  let source: AvailableSlotsOut["source"] = "calcom";
  let ageSeconds: number | null = 0;
  let slots: Interval[];
  try {
    const query = { eventTypeId: input.eventTypeId, start: from, end: to, timeZone: zone, bookingUidToReschedule: ownCalcomUid };
    const key = slotCacheKey({
      coachId: input.coachId,
      eventTypeId: input.eventTypeId,
      from,
      to,
      timeZone: zone,
      bookingUidToReschedule: ownCalcomUid,
    });
    const cached = await cachedSlots(
      key,
      input.coachId,
      () => deps.now().getTime(),
      () => deps.scheduling.getSlots(query),
    );
    slots = cached.slots;
    source = cached.source;
    ageSeconds = cached.ageSeconds;
  } catch (err) {
    if (!(err instanceof AppError) || (err.code !== "upstream/unavailable" && err.code !== "upstream/rate-limited")) throw err;
    log.warn("slots.fallback-local", { coachId: input.coachId, eventTypeId: input.eventTypeId, reason: err.code });
    source = "local";
    ageSeconds = null;
    const availability = AvailabilitySchema.parse({ timeZone: coach.timeZone, slots: coach.availabilitySlots });
    slots = localSlots(availability, durationMinutes, from, to, now, limits.slotIntervalMinutes ?? durationMinutes);
  }
  // Our own rules on top of Cal.com's answer: its live slots never see our holds, and the limits
  // must hold whichever source answered.
  const buffers = { bufferBeforeMinutes: limits.bufferBeforeMinutes, bufferAfterMinutes: limits.bufferAfterMinutes };
  const nowDate = deps.now();
  const free = slots.filter(
    (s) =>
      epochMs(s.start) >= epochMs(now) &&
      !busy.some((b) => clashes(b, { ...s, ...buffers })) &&
      bookingRefusal({ start: s.start, now: nowDate, limits, coachTimeZone: coach.timeZone }) === null,
  );
  return {
    coachId: input.coachId,
    eventTypeId: input.eventTypeId,
    timeZone: zone,
    source,
    ageSeconds,
    from,
    to,
    slots: free.map((s) => {
      const local = DateTime.fromISO(s.start, { zone });
      return { start: s.start, end: s.end, localDate: local.toISODate() ?? "", localStart: local.toFormat("HH:mm") };
    }),
  };
}
