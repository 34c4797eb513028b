import { HttpsError } from "firebase-functions/v2/https";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getAvailableSlots, syncAvailability } from "../../src/features/availability/availability.service.js";
import { toHttpsError } from "../../src/shared/errors.js";
import { coachDoc } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";

let fake: FakeCalcom;

beforeAll(async () => {
  initAdminFor("demo-coachify-int");
  fake = await FakeCalcom.start();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  expect(fake.violations).toEqual([]);
  fake.reset();
});

const week = { timeZone: "Europe/Paris", slots: [{ day: "monday" as const, startTime: "09:00", endTime: "12:00" }] };

async function asHttps(promise: Promise<unknown>): Promise<HttpsError> {
  try {
    await promise;
  } catch (err) {
    const mapped = toHttpsError(err);
    if (mapped instanceof HttpsError) return mapped;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("syncAvailability (in-process, emulator Firestore)", () => {
  it("answers failed-precondition 'Cal.com API key not configured' without a key, keeping the local copy", async () => {
    const coachId = uniqueId("coach");
    const err = await asHttps(
      syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, testDependencies(fake, { calcomApiKey: null })),
    );
    expect(err.code).toBe("failed-precondition");
    expect(err.message).toBe("Cal.com API key not configured");
    expect(err.details).toMatchObject({ code: "config/missing" });
    expect((await coachDoc(coachId).get()).data()?.availabilitySlots).toEqual(week.slots);
    expect(fake.requests).toHaveLength(0);
  });

  it("asks a coach to connect their account when no organization is configured", async () => {
    const coachId = uniqueId("coach");
    const err = await asHttps(
      syncAvailability(
        { coachId, availability: week },
        { uid: coachId, isAdmin: false },
        testDependencies(fake, { calcomOrganizationId: null }),
      ),
    );
    expect(err.code).toBe("failed-precondition");
    expect(err.details).toMatchObject({ code: "coach/not-connected" });
  });

  it("lets an admin sync a coach's availability", async () => {
    const coachId = uniqueId("coach");
    const out = await syncAvailability({ coachId, availability: week }, { uid: "admin-1", isAdmin: true }, testDependencies(fake));
    expect(out.provisioned).toBe(true);
    expect(fake.listUsers().some((u) => u.email === `${coachId}@example.com`)).toBe(true);
  });

  it("adopts the Cal.com user and schedule a crashed first sync left behind", async () => {
    const coachId = uniqueId("coach");
    const deps = testDependencies(fake);
    const first = await syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps);
    // Lose our record of both, as if the sync had died before writing them.
    await coachDoc(coachId).update({ calcomUserId: null, calcomScheduleId: null });
    const second = await syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps);
    expect(second).toMatchObject({ calcomUserId: first.calcomUserId, calcomScheduleId: first.calcomScheduleId, scheduleCreated: false });
    expect(fake.listUsers().filter((u) => u.email === `${coachId}@example.com`)).toHaveLength(1);
    expect(fake.listSchedules().filter((s) => s.ownerId === first.calcomUserId)).toHaveLength(1);
  });

  it("lets only one of two concurrent first syncs run", async () => {
    const coachId = uniqueId("coach");
    const deps = testDependencies(fake);
    fake.latencyMs = 100;
    const results = await Promise.allSettled([
      syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps),
      syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps),
    ]);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.length).toBeLessThanOrEqual(1);
    for (const r of rejected) expect(toHttpsError(r.reason)).toMatchObject({ code: "aborted" });
    expect(fake.listSchedules().filter((s) => s.name === "Coachify availability")).toHaveLength(1);
  });
});

describe("getAvailableSlots input", () => {
  it.each([
    [{ dateFrom: "2030-01-08", dateTo: "2030-01-07" }, "dateTo must be after dateFrom."],
    [{ dateFrom: "2030-01-01", dateTo: "2030-06-01" }, "Ask for at most 62 days of slots at a time."],
  ])("refuses a bad range %j", async (range, message) => {
    const coachId = uniqueId("coach");
    const deps = testDependencies(fake);
    await syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps);
    await coachDoc(coachId).update({
      customOfferings: [{ id: "sixty", title: "60", durationMinutes: 60, priceCents: 100, currency: "eur", calcomEventTypeId: 77 }],
    });
    const err = await asHttps(getAvailableSlots({ coachId, eventTypeId: 77, ...range }, { uid: "s", isAdmin: false }, deps));
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toBe(message);
  });

  it("answers not-found for an event type the coach does not offer", async () => {
    const coachId = uniqueId("coach");
    const deps = testDependencies(fake);
    await syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps);
    const err = await asHttps(
      getAvailableSlots({ coachId, eventTypeId: 999, dateFrom: "2030-01-07", dateTo: "2030-01-07" }, { uid: "s", isAdmin: false }, deps),
    );
    expect(err.code).toBe("not-found");
  });
});
