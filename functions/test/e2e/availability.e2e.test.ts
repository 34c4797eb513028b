import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AvailableSlotsOut } from "../../src/features/availability/availability.schemas.js";
import { DEFAULT_CANCELLATION_POLICY } from "../../src/domain/policy.js";
import { coachDoc, getDb } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { callCallable } from "../helpers/call-callable.js";
import { PARIS_WEEK, coachWithOfferings, newUser, ok } from "../helpers/scenario.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";

// The Functions emulator reads CALCOM_API_URL from functions/.env.local: the stand-in listens on
// that fixed loopback port, in this process, for the whole file.
const STAND_IN_PORT = 5601;
let fake: FakeCalcom;

beforeAll(async () => {
  initAdminFor(process.env.GCLOUD_PROJECT ?? "demo-coachify");
  fake = await FakeCalcom.start({ port: STAND_IN_PORT, rateLimit: { limit: 10_000, windowMs: 60_000, blockMs: 60_000 } });
});
afterAll(async () => {
  await fake.stop();
  expect(fake.violations).toEqual([]);
});

interface SyncOut {
  calcomUserId: number;
  calcomScheduleId: number;
  mode: string;
  provisioned: boolean;
  scheduleCreated: boolean;
}

const parisWeek = PARIS_WEEK;

describe("syncAvailability through the Functions emulator (organization mode)", () => {
  it("provisions the coach on first sync and updates the same schedule on the next", async () => {
    const coach = await newUser("coach");
    const first = await ok<SyncOut>("syncAvailability", { coachId: coach.uid, availability: parisWeek }, coach.idToken);
    expect(first).toMatchObject({ mode: "organization", provisioned: true, scheduleCreated: true });
    const user = fake.listUsers().find((u) => u.id === first.calcomUserId);
    expect(user?.orgId).toBe(fake.orgId);
    expect(fake.listSchedules().find((s) => s.id === first.calcomScheduleId)).toMatchObject({
      ownerId: first.calcomUserId,
      timeZone: "Europe/Paris",
      isDefault: true,
      availability: [
        { days: ["Monday"], startTime: "09:00", endTime: "12:00" },
        { days: ["Wednesday"], startTime: "14:00", endTime: "16:00" },
      ],
    });

    const creates = () => fake.callsTo("createOrgUser").length + fake.callsTo("createOrgUserSchedule").length;
    const createsBefore = creates();
    const changed = { timeZone: "Europe/Paris", slots: [{ day: "friday", startTime: "10:00", endTime: "18:00" }] };
    const second = await ok<SyncOut>("syncAvailability", { coachId: coach.uid, availability: changed }, coach.idToken);
    expect(second).toMatchObject({
      calcomUserId: first.calcomUserId,
      calcomScheduleId: first.calcomScheduleId,
      provisioned: false,
      scheduleCreated: false,
    });
    expect(creates()).toBe(createsBefore);
    expect(fake.listSchedules().find((s) => s.id === first.calcomScheduleId)?.availability).toEqual([
      { days: ["Friday"], startTime: "10:00", endTime: "18:00" },
    ]);

    const stored = (await coachDoc(coach.uid).get()).data();
    expect(stored).toMatchObject({
      calcomUserId: first.calcomUserId,
      calcomScheduleId: first.calcomScheduleId,
      calcomMode: "organization",
      availabilitySlots: changed.slots,
    });
  });

  it("refuses another user syncing a coach's availability", async () => {
    const coach = await newUser("coach");
    const other = await newUser("student");
    const res = await callCallable("syncAvailability", { coachId: coach.uid, availability: parisWeek }, other.idToken);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.status).toBe("PERMISSION_DENIED");
    expect((await coachDoc(coach.uid).get()).exists).toBe(false);
  });

  it("refuses an anonymous caller", async () => {
    const res = await callCallable("syncAvailability", { coachId: "x", availability: parisWeek });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.status).toBe("UNAUTHENTICATED");
  });

  it.each([
    [
      "an overlap",
      {
        timeZone: "UTC",
        slots: [
          { day: "monday", startTime: "09:00", endTime: "12:00" },
          { day: "monday", startTime: "11:00", endTime: "13:00" },
        ],
      },
      "slot 2 (monday 11:00-13:00) overlaps slot 1 (monday 09:00-12:00)",
    ],
    [
      "an end before the start",
      { timeZone: "UTC", slots: [{ day: "tuesday", startTime: "12:00", endTime: "10:00" }] },
      "slot 1 (tuesday 12:00-10:00): must end after it starts",
    ],
    ["an unknown zone", { timeZone: "Europe/Atlantis", slots: [] }, "IANA time zone"],
    ["an unknown day", { timeZone: "UTC", slots: [{ day: "someday", startTime: "09:00", endTime: "10:00" }] }, "availability.slots.0.day"],
  ])("answers invalid-argument naming the slot for %s", async (_label, availability, message) => {
    const coach = await newUser("coach");
    const res = await callCallable("syncAvailability", { coachId: coach.uid, availability }, coach.idToken);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.status).toBe("INVALID_ARGUMENT");
    expect(res.error.message).toContain(message);
  });
});

describe("syncAvailability in connected-account mode", () => {
  it("syncs into the coach's own Cal.com account through the user endpoints", async () => {
    const email = `${uniqueId("own")}@example.com`;
    const account = fake.addUser({ email, timeZone: "America/New_York" });
    const { coach, sixty } = await coachWithOfferings(
      { timeZone: "America/New_York", slots: [{ day: "tuesday", startTime: "09:00", endTime: "11:00" }] },
      { apiKey: account.apiKey },
    );
    const stored = (await coachDoc(coach.uid).get()).data();
    expect(stored).toMatchObject({ calcomUserId: account.userId, calcomMode: "connected" });
    expect(fake.listSchedules().find((s) => s.id === stored?.calcomScheduleId)?.ownerId).toBe(account.userId);
    expect(fake.eventType(sixty)).toMatchObject({ ownerId: account.userId, scheduleId: stored?.calcomScheduleId, teamId: null });
    // The organization was not touched for this coach.
    expect(fake.listUsers().filter((u) => u.email === email)).toHaveLength(1);

    const again = await ok<SyncOut>(
      "syncAvailability",
      {
        coachId: coach.uid,
        availability: { timeZone: "America/New_York", slots: [{ day: "thursday", startTime: "09:00", endTime: "11:00" }] },
      },
      coach.idToken,
    );
    expect(again).toMatchObject({
      mode: "connected",
      provisioned: false,
      scheduleCreated: false,
      calcomScheduleId: stored?.calcomScheduleId,
    });

    const slots = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-08", dateTo: "2030-01-10", timeZone: "America/New_York" },
      coach.idToken,
    );
    expect(slots.slots.map((s) => `${s.localDate} ${s.localStart}`)).toEqual(["2030-01-10 09:00", "2030-01-10 10:00"]);
  });

  it("refuses a Cal.com key that Cal.com does not accept", async () => {
    const coach = await newUser("coach");
    const res = await callCallable("connectCalcomAccount", { apiKey: "cal_not_a_real_key_123" }, coach.idToken);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.status).toBe("INVALID_ARGUMENT");
    expect(res.error.message).toBe("Cal.com did not accept this API key.");
  });
});

describe("getAvailableSlots through the Functions emulator", () => {
  it("answers failed-precondition for a coach who never synced", async () => {
    const coach = await newUser("coach");
    await getDb().doc(`coaches/${coach.uid}`).set({ timeZone: "UTC" });
    const student = await newUser("student");
    const res = await callCallable(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: 1, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.status).toBe("FAILED_PRECONDITION");
    expect(res.error.message).toBe("Coach not synced with Cal.com");
  });

  it("honours the schedule, answering in the student's zone", async () => {
    const { coach, sixty, thirty } = await coachWithOfferings(parisWeek);
    const student = await newUser("student");
    const res = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-06", dateTo: "2030-01-09", timeZone: "America/New_York" },
      student.idToken,
    );
    expect(res.source).toBe("calcom");
    // Monday 09:00-12:00 Paris = 03:00-06:00 New York; Wednesday 14:00-16:00 Paris = 08:00-10:00.
    expect(res.slots.map((s) => `${s.localDate} ${s.localStart}`)).toEqual([
      "2030-01-07 03:00",
      "2030-01-07 04:00",
      "2030-01-07 05:00",
      "2030-01-09 08:00",
      "2030-01-09 09:00",
    ]);
    expect(res.slots[0]).toMatchObject({ start: "2030-01-07T08:00:00.000Z", end: "2030-01-07T09:00:00.000Z" });
    const thirtyRes = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: thirty, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    expect(thirtyRes.timeZone).toBe("Europe/Paris");
    expect(thirtyRes.slots).toHaveLength(6);
  });

  it("leaves out a Cal.com booking and our own pending hold on another offering of the coach", async () => {
    const { coach, sixty, thirty } = await coachWithOfferings(parisWeek);
    const student = await newUser("student");
    // An accepted booking made in Cal.com at 09:00 Paris on the 60-minute type.
    fake.seedBooking({ eventTypeId: sixty, start: "2030-01-07T08:00:00.000Z" });
    // Our own pending hold on the 30-minute offering at 10:00-10:30 Paris: Cal.com does not block
    // the 60-minute type for it, we must.
    await getDb()
      .doc(`bookings/${uniqueId("hold")}`)
      .set({
        coachId: coach.uid,
        userId: student.uid,
        offeringId: "thirty",
        calcomEventTypeId: thirty,
        startTime: Timestamp.fromDate(new Date("2030-01-07T09:00:00.000Z")),
        endTime: Timestamp.fromDate(new Date("2030-01-07T09:30:00.000Z")),
        timeZone: "Europe/Paris",
        calcomBookingId: null,
        calcomBookingUid: null,
        status: "requested",
        paymentStatus: "pending",
        amountCents: 3_500,
        currency: "eur",
        refundedCents: 0,
        stripeCheckoutSessionId: null,
        stripePaymentIntentId: null,
        cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
        createdAt: Timestamp.now(),
        updatedAt: Timestamp.now(),
      });
    const res = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    expect(res.slots.map((s) => s.localStart)).toEqual(["11:00"]);
  });

  it("follows the coach's wall clock on a DST change day", async () => {
    // The US springs forward on Sunday 2030-03-10.
    const week = { timeZone: "America/New_York", slots: [{ day: "sunday", startTime: "09:00", endTime: "11:00" }] };
    const { coach, sixty } = await coachWithOfferings(week);
    const student = await newUser("student");
    const res = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-03-03", dateTo: "2030-03-10", timeZone: "Europe/London" },
      student.idToken,
    );
    expect(res.slots.map((s) => s.start)).toEqual([
      "2030-03-03T14:00:00.000Z", // EST: 09:00 = 14:00Z
      "2030-03-03T15:00:00.000Z",
      "2030-03-10T13:00:00.000Z", // EDT: 09:00 = 13:00Z
      "2030-03-10T14:00:00.000Z",
    ]);
    expect(res.slots.map((s) => s.localStart)).toEqual(["14:00", "15:00", "13:00", "14:00"]);
  });

  it("falls back to the local availability when Cal.com keeps answering 503", async () => {
    const { coach, sixty } = await coachWithOfferings(parisWeek);
    const student = await newUser("student");
    const live = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    fake.failNext(10, 503, "getSlots");
    // The same range is answered from the shared cache; a range never fetched from our copy.
    const cached = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    expect(cached).toMatchObject({ source: "cache", slots: live.slots });
    const fallback = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-14", dateTo: "2030-01-14" },
      student.idToken,
    );
    expect(fallback).toMatchObject({ source: "local", ageSeconds: null });
    expect(fallback.slots.map((x) => x.localStart)).toEqual(live.slots.map((x) => x.localStart));
    fake.clearFaults();
  });
});
