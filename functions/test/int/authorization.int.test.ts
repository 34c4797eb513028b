import { beforeAll, describe, expect, it } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { refreshPublicCoach } from "../../src/features/catalog/catalog.projection.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { bookingDoc, coachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { CALLABLES, ensureAuthUsers, invoke, useStandInsForDeployedCode, type CallableName, type Caller } from "../helpers/callables.js";
import { testDependencies } from "../helpers/deps.js";
import { payAndConfirm, useStandIns } from "../helpers/in-process.js";

/**
 * Every callable × every role, through the deployed wrapper (authentication, input, the service's
 * own checks). The table "Who may call what" of docs/reliability.md is this one. `ok` means the
 * call succeeds; otherwise the error code the caller gets. The resources named are the coach's and the
 * student's: a booking of theirs, the coach's calendar and statement.
 */
const ROLES = ["anonymous", "student", "otherStudent", "coach", "otherCoach", "admin"] as const;
type Role = (typeof ROLES)[number];
type Expected = Record<Role, string>;

const row = (anonymous: string, student: string, otherStudent: string, coach: string, otherCoach: string, admin: string): Expected => ({
  anonymous,
  student,
  otherStudent,
  coach,
  otherCoach,
  admin,
});
const U = "unauthenticated";
const P = "permission-denied";
// A coach's own settings need a coach profile (synced availability): anyone else gets not-found
// with "Sync your availability (or create your coach profile) before …".
const N = "not-found";

export const AUTHORIZATION_MATRIX: Record<CallableName, Expected> = {
  getHealth: row("ok", "ok", "ok", "ok", "ok", "ok"),
  syncAvailability: row(U, P, P, "ok", P, "ok"),
  getAvailableSlots: row(U, "ok", "ok", "ok", "ok", "ok"),
  saveOffering: row(U, N, N, "ok", "ok", N),
  removeOffering: row(U, N, N, "ok", "ok", N),
  saveSchedulingLimits: row(U, N, N, "ok", "ok", N),
  saveCancellationPolicy: row(U, N, N, "ok", "ok", N),
  saveCoachProfile: row(U, N, N, "ok", "ok", N),
  setCoachListing: row(U, P, P, P, P, "ok"),
  // The catalog: anyone signed in (anonymous callers too while CATALOG_PUBLIC_READ is on, off here).
  listCoaches: row(U, "ok", "ok", "ok", "ok", "ok"),
  getCoach: row(U, "ok", "ok", "ok", "ok", "ok"),
  createBooking: row(U, "ok", "ok", "ok", "ok", "ok"),
  confirmBooking: row(U, P, P, "ok", P, "ok"),
  quoteCancellation: row(U, "ok", P, "ok", P, "ok"),
  quoteReschedule: row(U, "ok", P, "ok", P, "ok"),
  cancelBooking: row(U, "ok", P, "ok", P, "ok"),
  rescheduleBooking: row(U, "ok", P, "ok", P, "ok"),
  coachStatement: row(U, P, P, "ok", P, "ok"),
  // The booking's session has not ended: who may refund is checked first, then whether it ended.
  refundSession: row(U, P, P, "failed-precondition", P, "failed-precondition"),
  // The booking's session has not started: who may mark is checked first, then the window.
  markNoShow: row(U, "failed-precondition", P, "failed-precondition", P, P),
  resolveNoShow: row(U, P, P, P, P, "failed-precondition"),
  completeBooking: row(U, P, P, P, P, "failed-precondition"),
  reconcileBooking: row(U, P, P, P, P, "ok"),
  // The platform's money and its fees: admins only.
  platformStatement: row(U, P, P, P, P, "ok"),
  setCoachPlatformFee: row(U, P, P, P, P, "ok"),
  // One's own preferences: anyone signed in, about themselves only (there is no uid to name).
  getNotificationPreferences: row(U, "ok", "ok", "ok", "ok", "ok"),
  setNotificationPreferences: row(U, "ok", "ok", "ok", "ok", "ok"),
  // A coach's own payout account: anyone else has no coach profile.
  startPayoutOnboarding: row(U, N, N, "ok", "ok", N),
  payOutBooking: row(U, P, P, P, P, "ok"),
  // The coach has live bookings in the organization: another account is refused (#17), not for who they are.
  connectCalcomAccount: row(U, "ok", "ok", "failed-precondition", "ok", "ok"),
  // About the student: their own, or an admin's; anyone else naming them is refused.
  exportMyData: row(U, "ok", P, P, P, "ok"),
  // Last: the student's account is gone after it (the admin's run finds nothing more to do).
  deleteMyAccount: row(U, "ok", P, P, P, "ok"),
};

const standIns = useStandIns();

const EVERY_DAY = (["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const).map((day) => ({
  day,
  startTime: "00:00",
  endTime: "23:59",
}));
const HOUR = 3_600_000;
const BASE = Date.parse("2030-01-07T00:00:00.000Z");
let nextSlot = 0;
/** A distinct free hour of the coach's for each booking made in this file. */
function freshSlot(): { startTime: string; endTime: string } {
  const start = BASE + 24 * HOUR + nextSlot++ * 2 * HOUR;
  return { startTime: new Date(start).toISOString(), endTime: new Date(start + HOUR).toISOString() };
}

describe("who may call what", () => {
  const ids = {
    student: uniqueId("student"),
    otherStudent: uniqueId("student"),
    coach: uniqueId("coach"),
    otherCoach: uniqueId("coach"),
    admin: uniqueId("admin"),
  };
  const callers: Record<Role, Caller | null> = {
    anonymous: null,
    student: { uid: ids.student },
    otherStudent: { uid: ids.otherStudent },
    coach: { uid: ids.coach },
    otherCoach: { uid: ids.otherCoach },
    admin: { uid: ids.admin, admin: true },
  };
  let deps: ReturnType<typeof testDependencies>;
  let eventTypeId = 0;
  let booking = { id: "", calcomBookingId: 0 };

  /** A paid, confirmed booking of the student with the coach. */
  async function paidBooking(): Promise<{ id: string; calcomBookingId: number }> {
    const { bookingId } = await createBooking(
      { coachId: ids.coach, eventTypeId, offeringId: "sixty", userId: ids.student, ...freshSlot() },
      { uid: ids.student, isAdmin: false },
      deps,
    );
    await payAndConfirm(bookingId, standIns.stripe, deps);
    return { id: bookingId, calcomBookingId: (await bookingDoc(bookingId).get()).data()?.calcomBookingId ?? 0 };
  }

  beforeAll(async () => {
    useStandInsForDeployedCode(standIns.calcom, standIns.stripe);
    // The matrix books one session per call it makes, all for one student with one coach.
    deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, maxUpcomingPerStudent: 1000 });
    await ensureAuthUsers(Object.values(ids));
    for (const coachId of [ids.coach, ids.otherCoach]) {
      await syncAvailability({ coachId, availability: { timeZone: "UTC", slots: EVERY_DAY } }, { uid: coachId, isAdmin: false }, deps);
      await saveOffering(
        { offering: { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 5_000, currency: "eur" } },
        { uid: coachId, isAdmin: false },
      );
      await syncOfferingEventTypes(coachId, deps);
    }
    eventTypeId = (await coachDoc(ids.coach).get()).data()?.customOfferings[0]?.calcomEventTypeId ?? 0;
    // The createBooking row leaves the student an unpaid hold; the later rows book for them again.
    await saveSchedulingLimits({ limits: { maxUnpaidHoldsPerCoach: 5 } }, { uid: ids.coach, isAdmin: false });
    booking = await paidBooking();
  });

  /** The input each callable gets, as the role would send it about the coach's and student's things. */
  async function inputFor(name: CallableName, role: Role, caller: Caller | null): Promise<unknown> {
    const slot = freshSlot();
    switch (name) {
      case "getHealth":
        return null;
      case "syncAvailability":
        return { coachId: ids.coach, availability: { timeZone: "UTC", slots: EVERY_DAY } };
      case "getAvailableSlots":
        return { coachId: ids.coach, eventTypeId, dateFrom: "2030-01-08", dateTo: "2030-01-08", timeZone: "UTC" };
      case "saveOffering":
        return { offering: { id: `extra-${role.toLowerCase()}`, title: "Extra", durationMinutes: 30, priceCents: 2_000, currency: "eur" } };
      case "removeOffering":
        return { offeringId: `extra-${role.toLowerCase()}` };
      case "saveSchedulingLimits":
        return { limits: { minimumNoticeMinutes: 120 } };
      case "saveCancellationPolicy":
        return {
          tiers: [
            { minNoticeHours: 24, refundPercent: 100 },
            { minNoticeHours: 0, refundPercent: 50 },
          ],
        };
      case "saveCoachProfile":
        return { headline: `${role} coaching`, bio: "", photoUrl: null, languages: ["en"], specialties: ["yoga"], published: true };
      case "setCoachListing":
        return { coachId: ids.coach, approved: true };
      case "listCoaches":
        return { specialty: "yoga" };
      case "getCoach":
        // Listed by the saveCoachProfile row (the catalog trigger's work, run here by hand).
        await refreshPublicCoach(ids.coach);
        return { coachId: ids.coach };
      case "createBooking":
        return { coachId: ids.coach, eventTypeId, offeringId: "sixty", userId: caller?.uid ?? ids.student, ...slot };
      case "confirmBooking":
        return { bookingId: booking.id, calcomBookingId: booking.calcomBookingId };
      case "quoteCancellation":
        return { bookingId: booking.id };
      case "quoteReschedule":
        return { bookingId: booking.id, newStartTime: slot.startTime, newEndTime: slot.endTime };
      case "cancelBooking":
        return { bookingId: (await paidBooking()).id, reason: `Cancelled by the ${role}` };
      case "rescheduleBooking":
        return {
          bookingId: (await paidBooking()).id,
          newStartTime: slot.startTime,
          newEndTime: slot.endTime,
          reason: `Moved by the ${role}`,
        };
      case "refundSession":
        return { bookingId: booking.id, reason: `Refunded by the ${role}` };
      case "coachStatement":
        return { from: "2029-01-01T00:00:00Z", to: "2029-12-31T00:00:00Z", coachId: ids.coach };
      case "platformStatement":
        return { from: "2029-01-01T00:00:00Z", to: "2029-12-31T00:00:00Z" };
      case "setCoachPlatformFee":
        return { coachId: ids.coach, fee: { percent: 12.5, fixedCents: { eur: 50 } } };
      case "markNoShow":
        return { bookingId: booking.id, absent: role === "student" || role === "otherStudent" ? "coach" : "student" };
      case "resolveNoShow":
        return { bookingId: booking.id, outcome: "attended", reason: `Decided by the ${role}` };
      case "completeBooking":
        return { bookingId: booking.id };
      case "reconcileBooking":
        return { bookingId: booking.id, dryRun: true };
      case "getNotificationPreferences":
      case "startPayoutOnboarding":
        return null;
      case "payOutBooking":
        return { bookingId: booking.id };
      case "setNotificationPreferences":
        return { channels: { reminder: { push: false } }, timeZone: "Europe/Paris" };
      case "exportMyData":
      case "deleteMyAccount":
        return { uid: ids.student };
      case "connectCalcomAccount":
        return { apiKey: standIns.calcom.addUser({ email: `${role}-${uniqueId("own")}@example.com` }).apiKey };
    }
  }

  it("answers each role as the table says", { timeout: 120_000 }, async () => {
    const observed: Record<string, Record<Role, string>> = {};
    for (const name of Object.keys(AUTHORIZATION_MATRIX) as CallableName[]) {
      observed[name] = {} as Record<Role, string>;
      for (const role of ROLES) {
        const caller = callers[role];
        const out = await invoke(name, await inputFor(name, role, caller), caller);
        observed[name][role] = out.ok ? "ok" : out.code;
      }
    }
    expect(observed).toEqual(AUTHORIZATION_MATRIX);
    expect(Object.keys(AUTHORIZATION_MATRIX).sort()).toEqual(Object.keys(CALLABLES).sort());
  });
});
