import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeCalcom } from "../../../test/stand-ins/fake-calcom.server.js";
import { calcomApi } from "./calcom-api.js";
import { CAL_API_VERSIONS, CalcomClient, rateLimitResetSeconds } from "./calcom-client.js";
import { CalcomApiError } from "./calcom-errors.js";
import { isDuplicateSlug, isDuplicateUser } from "./calcom-error-map.js";

let fake: FakeCalcom;
let sleeps: number[];

function client(overrides: Partial<ConstructorParameters<typeof CalcomClient>[0]> = {}) {
  sleeps = [];
  return new CalcomClient({
    baseUrl: fake.url,
    timeoutMs: 500,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<CalcomApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CalcomApiError) return err;
    throw err;
  }
  throw new Error("expected a CalcomApiError");
}

const FUTURE_MONDAY = "2030-01-07"; // a Monday

beforeAll(async () => {
  fake = await FakeCalcom.start();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  // Every request our client made in these tests must match our description of Cal.com's API.
  expect(fake.violations).toEqual([]);
  fake.reset();
});

describe("CalcomClient against the stand-in: each endpoint we use", () => {
  it("runs the connected-account flow with the right cal-api-version on every call", async () => {
    const c = client();
    const { apiKey, username } = fake.addUser({ email: "coach@example.com", timeZone: "Europe/Paris" });
    const me = await calcomApi.getMe(c, apiKey);
    expect(me.email).toBe("coach@example.com");

    const schedule = await calcomApi.createSchedule(c, apiKey, {
      name: "Coachify",
      timeZone: "Europe/Paris",
      isDefault: true,
      availability: [{ days: ["Monday"], startTime: "09:00", endTime: "12:00" }],
    });
    const updated = await calcomApi.updateSchedule(c, apiKey, schedule.id, {
      availability: [{ days: ["Monday", "Tuesday"], startTime: "10:00", endTime: "12:00" }],
    });
    expect(updated.availability).toEqual([{ days: ["Monday", "Tuesday"], startTime: "10:00", endTime: "12:00" }]);
    expect((await calcomApi.listSchedules(c, apiKey)).map((s) => s.id)).toEqual([schedule.id]);

    const eventType = await calcomApi.createEventType(c, apiKey, {
      title: "60 min",
      slug: "coachify-60",
      lengthInMinutes: 60,
      scheduleId: schedule.id,
      confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true },
      hidden: true,
      bookingRequiresAuthentication: true,
    });
    expect((await calcomApi.listEventTypes(c, apiKey, { username, eventSlug: "coachify-60" })).map((e) => e.id)).toEqual([eventType.id]);
    await calcomApi.updateEventType(c, apiKey, eventType.id, { title: "One hour" });

    const slots = await calcomApi.getSlots(c, {
      eventTypeId: eventType.id,
      start: FUTURE_MONDAY,
      end: FUTURE_MONDAY,
      timeZone: "America/New_York",
    });
    // 10:00 and 11:00 in Paris are 04:00 and 05:00 in New York, keyed by New York's date.
    expect(slots).toEqual({
      [FUTURE_MONDAY]: [
        { start: "2030-01-07T04:00:00.000-05:00", end: "2030-01-07T05:00:00.000-05:00" },
        { start: "2030-01-07T05:00:00.000-05:00", end: "2030-01-07T06:00:00.000-05:00" },
      ],
    });

    const booking = await calcomApi.createBooking(c, apiKey, {
      start: "2030-01-07T09:00:00Z",
      eventTypeId: eventType.id,
      attendee: { name: "Stu", email: "stu@example.com", timeZone: "America/New_York" },
      metadata: { bookingId: "b-1" },
    });
    expect(booking.status).toBe("pending");
    expect((await calcomApi.getBooking(c, apiKey, booking.uid)).metadata).toEqual({ bookingId: "b-1" });
    expect((await calcomApi.confirmBooking(c, apiKey, booking.uid)).status).toBe("accepted");
    const moved = await calcomApi.rescheduleBooking(c, apiKey, booking.uid, {
      start: "2030-01-14T09:00:00Z",
      rescheduledBy: "coach@example.com",
    });
    expect(moved.uid).not.toBe(booking.uid);
    expect(moved.rescheduledFromUid).toBe(booking.uid);
    expect((await calcomApi.cancelBooking(c, apiKey, moved.uid, "Coach unavailable")).status).toBe("cancelled");

    const second = await calcomApi.createBooking(c, apiKey, {
      start: "2030-01-07T10:00:00Z",
      eventTypeId: eventType.id,
      attendee: { name: "Stu", email: "stu@example.com", timeZone: "UTC" },
      metadata: { bookingId: "b-2" },
    });
    expect((await calcomApi.declineBooking(c, apiKey, second.uid, "Payment expired")).status).toBe("rejected");
    expect((await calcomApi.deleteEventType(c, apiKey, eventType.id)).id).toBe(eventType.id);

    const expectedVersion = (path: string) =>
      path.startsWith("/v2/bookings")
        ? CAL_API_VERSIONS.bookings
        : path.startsWith("/v2/slots")
          ? CAL_API_VERSIONS.slots
          : path.startsWith("/v2/event-types")
            ? CAL_API_VERSIONS.eventTypes
            : path.startsWith("/v2/schedules")
              ? CAL_API_VERSIONS.schedules
              : undefined;
    expect(fake.requests).toHaveLength(16);
    for (const r of fake.requests) expect([r.path, r.headers["cal-api-version"]]).toEqual([r.path, expectedVersion(r.path)]);
  });

  it("runs the organization flow with the org-admin key", async () => {
    const c = client();
    const key = fake.orgAdminKey;
    const user = await calcomApi.createOrgUser(c, key, fake.orgId, {
      email: "ada@example.com",
      timeZone: "Europe/Paris",
      metadata: { coachifyCoachId: "ada" },
    });
    const listed = await calcomApi.listOrgUsers(c, key, fake.orgId, ["ada@example.com"]);
    expect(listed.map((u) => [u.id, u.metadata])).toEqual([[user.id, { coachifyCoachId: "ada" }]]);
    const schedule = await calcomApi.createOrgUserSchedule(c, key, fake.orgId, user.id, {
      name: "Coachify",
      timeZone: "Europe/Paris",
      isDefault: true,
      availability: [{ days: ["Monday"], startTime: "09:00", endTime: "11:00" }],
    });
    await calcomApi.updateOrgUserSchedule(c, key, fake.orgId, user.id, schedule.id, { timeZone: "Europe/Berlin" });
    expect((await calcomApi.listOrgUserSchedules(c, key, fake.orgId, user.id))[0]?.timeZone).toBe("Europe/Berlin");
    await calcomApi.createOrgTeamMembership(c, key, fake.orgId, fake.teamId, user.id);
    const eventType = await calcomApi.createTeamEventType(c, key, fake.orgId, fake.teamId, {
      title: "30 min",
      slug: "ada-30",
      lengthInMinutes: 30,
      confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true },
      hidden: true,
      bookingRequiresAuthentication: true,
      hostUserId: user.id,
    });
    expect(fake.eventType(eventType.id)?.hostIds).toEqual([user.id]);
    expect((await calcomApi.listTeamEventTypes(c, key, fake.orgId, fake.teamId, "ada-30")).map((e) => e.id)).toEqual([eventType.id]);
    await calcomApi.updateTeamEventType(c, key, fake.orgId, fake.teamId, eventType.id, { lengthInMinutes: 45 });
    expect(fake.eventType(eventType.id)?.lengthInMinutes).toBe(45);
    await calcomApi.deleteTeamEventType(c, key, fake.orgId, fake.teamId, eventType.id);
    expect(fake.eventType(eventType.id)).toBeUndefined();
    // Organization endpoints are unversioned.
    for (const r of fake.requests) expect(r.headers["cal-api-version"]).toBeUndefined();
  });
});

describe("CalcomClient errors", () => {
  it("types 404 as not-found with Cal.com's message, without retrying", async () => {
    const err = await failure(calcomApi.getBooking(client(), null, "missing-uid"));
    expect(err).toMatchObject({ kind: "not-found", status: 404, calcomCode: "NotFoundException" });
    expect(fake.requests).toHaveLength(1);
  });

  it("types a refused key as unauthorized, without retrying", async () => {
    const err = await failure(calcomApi.getMe(client(), "cal_wrong_key"));
    expect(err).toMatchObject({ kind: "unauthorized", status: 401 });
    expect(fake.requests).toHaveLength(1);
  });

  it("answers a slug the user already has with Cal.com's 400, which the error map recognises as a duplicate", async () => {
    const c = client();
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    const body = {
      title: "T",
      slug: "same",
      lengthInMinutes: 30,
      confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true } as const,
      hidden: true,
      bookingRequiresAuthentication: false,
    };
    await calcomApi.createEventType(c, apiKey, body);
    const err = await failure(calcomApi.createEventType(c, apiKey, body));
    expect(err).toMatchObject({ kind: "bad-request", status: 400, calcomMessage: "User already has an event type with this slug." });
    expect(isDuplicateSlug(err)).toBe(true);
    expect(isDuplicateUser(err)).toBe(false);
  });

  it("answers a team slug taken with 400 and an organization member's email with 409, each recognised", async () => {
    const c = client();
    const key = fake.orgAdminKey;
    const user = await calcomApi.createOrgUser(c, key, fake.orgId, { email: "dup@example.com", timeZone: "UTC", metadata: {} });
    const again = await failure(calcomApi.createOrgUser(c, key, fake.orgId, { email: "dup@example.com", timeZone: "UTC", metadata: {} }));
    expect(again).toMatchObject({ kind: "conflict", status: 409, calcomMessage: "A user already exists with that email" });
    expect(isDuplicateUser(again)).toBe(true);
    await calcomApi.createOrgTeamMembership(c, key, fake.orgId, fake.teamId, user.id);
    const body = {
      title: "T",
      slug: "team-same",
      lengthInMinutes: 30,
      confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true } as const,
      hidden: true,
      bookingRequiresAuthentication: true,
      hostUserId: user.id,
    };
    await calcomApi.createTeamEventType(c, key, fake.orgId, fake.teamId, body);
    const taken = await failure(calcomApi.createTeamEventType(c, key, fake.orgId, fake.teamId, body));
    expect(taken).toMatchObject({ kind: "bad-request", status: 400, calcomMessage: "URL Slug already exists for given user." });
    expect(isDuplicateSlug(taken)).toBe(true);
    // Any other 400 is not a duplicate.
    expect(isDuplicateSlug(new CalcomApiError("bad-request", "x", { status: 400, calcomMessage: "Booking already confirmed" }))).toBe(
      false,
    );
  });

  it("types other 400s as bad-request without retrying (confirming an accepted booking)", async () => {
    const c = client();
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    const schedule = await calcomApi.createSchedule(c, apiKey, {
      name: "S",
      timeZone: "UTC",
      isDefault: true,
      availability: [{ days: ["Monday"], startTime: "09:00", endTime: "17:00" }],
    });
    const et = await calcomApi.createEventType(c, apiKey, {
      title: "T",
      slug: "t",
      lengthInMinutes: 60,
      scheduleId: schedule.id,
      confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true },
      hidden: false,
      bookingRequiresAuthentication: false,
    });
    const b = await calcomApi.createBooking(c, null, {
      start: "2030-01-07T09:00:00Z",
      eventTypeId: et.id,
      attendee: { name: "S", email: "s@example.com", timeZone: "UTC" },
      metadata: {},
    });
    await calcomApi.confirmBooking(c, apiKey, b.uid);
    const before = fake.requests.length;
    const err = await failure(calcomApi.confirmBooking(c, apiKey, b.uid));
    expect(err).toMatchObject({ kind: "bad-request", status: 400, calcomMessage: "Booking already confirmed" });
    expect(fake.requests.length - before).toBe(1);
  });

  it("retries a 429 after the X-RateLimit-Reset seconds and then succeeds", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    fake.rateLimitNext(1, 2, "getMe");
    const me = await calcomApi.getMe(client(), apiKey);
    expect(me.email).toBe("c@example.com");
    expect(fake.callsTo("getMe")).toHaveLength(2);
    // 2 s from the header, plus jitter below the base delay.
    expect(sleeps).toEqual([2_125]);
  });

  it("gives up with rate-limited when the reset is longer than it may wait", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    fake.rateLimitNext(1, 60, "getMe");
    expect(await failure(calcomApi.getMe(client(), apiKey))).toMatchObject({ kind: "rate-limited", status: 429, resetSeconds: 60 });
    expect(sleeps).toEqual([]);
  });

  it("does not call a credential Cal.com has blocked until the block ends, and other credentials still go through", async () => {
    const blocked = fake.addUser({ email: "b@example.com" });
    const other = fake.addUser({ email: "o@example.com" });
    const c = client();
    fake.rateLimitNext(1, 60, "getMe");
    expect(await failure(calcomApi.getMe(c, blocked.apiKey))).toMatchObject({ kind: "rate-limited" });
    // Inside the block: no call reaches Cal.com (it would only count against the budget).
    expect(await failure(calcomApi.getMe(c, blocked.apiKey))).toMatchObject({ kind: "rate-limited", status: 429 });
    expect(fake.callsTo("getMe")).toHaveLength(1);
    expect((await calcomApi.getMe(c, other.apiKey)).email).toBe("o@example.com");
  });

  it("retries 503 with exponential backoff and jitter", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    fake.failNext(2, 503, "getMe");
    await calcomApi.getMe(client(), apiKey);
    expect(fake.callsTo("getMe")).toHaveLength(3);
    expect(sleeps).toEqual([125, 250]); // random 0.5 × 250 ms, then × 500 ms
  });

  it("gives up with unavailable after its attempts", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    fake.failNext(10, 503, "getMe");
    expect(await failure(calcomApi.getMe(client({ maxAttempts: 3 }), apiKey))).toMatchObject({ kind: "unavailable", status: 503 });
    expect(fake.callsTo("getMe")).toHaveLength(3);
  });

  it("times out a call that gets no answer, retrying a GET", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    fake.timeoutNext(1, "getMe");
    await calcomApi.getMe(client({ timeoutMs: 200 }), apiKey);
    expect(fake.callsTo("getMe")).toHaveLength(2);
  });

  it("does not retry a write that timed out (it may have been applied)", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    fake.timeoutNext(1, "createSchedule");
    const err = await failure(
      calcomApi.createSchedule(client({ timeoutMs: 200 }), apiKey, { name: "S", timeZone: "UTC", isDefault: true, availability: [] }),
    );
    expect(err.kind).toBe("timeout");
    expect(fake.callsTo("createSchedule")).toHaveLength(1);
  });

  it("reads the reset of the exhausted window among several", () => {
    const headers = new Headers({
      "x-ratelimit-remaining-default": "0",
      "x-ratelimit-reset-default": "42",
      "x-ratelimit-remaining-burst": "5",
      "x-ratelimit-reset-burst": "3",
    });
    expect(rateLimitResetSeconds(headers)).toBe(42);
    expect(rateLimitResetSeconds(new Headers())).toBeNull();
  });
});

describe("the stand-in's contract validation", () => {
  it("rejects a request that breaks our description and records the violation", async () => {
    // No cal-api-version: real Cal.com would route to an old controller.
    const res = await fetch(`${fake.url}/slots?start=2030-01-07&end=2030-01-07&eventTypeId=1`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("StandInContractViolation");
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]?.errors.join()).toContain("cal-api-version");
    fake.violations.length = 0;
  });

  it("rejects a body field we never declared", async () => {
    const { apiKey } = fake.addUser({ email: "c@example.com" });
    const res = await fetch(`${fake.url}/schedules`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "cal-api-version": "2024-06-11", "content-type": "application/json" },
      body: JSON.stringify({ name: "S", timeZone: "UTC", isDefault: true, colour: "red" }),
    });
    expect(res.status).toBe(400);
    expect(fake.violations).toHaveLength(1);
    fake.violations.length = 0;
  });

  it("rejects a path we do not use", async () => {
    const res = await fetch(`${fake.url}/slots/available`, { headers: { "cal-api-version": "2024-09-04" } });
    expect(res.status).toBe(404);
    expect(fake.violations).toHaveLength(1);
    fake.violations.length = 0;
  });
});
