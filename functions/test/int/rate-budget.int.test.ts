import { describe, expect, it } from "vitest";
import { getAvailableSlots } from "../../src/features/availability/availability.service.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { toHttpsError } from "../../src/shared/errors.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { readyCoach, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();
const MONDAY = { dateFrom: "2030-01-07", dateTo: "2030-01-07", timeZone: "UTC" };

async function coach() {
  const clock = { ms: Date.now() };
  const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => new Date(clock.ms) });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 5_000, currency: "eur" });
  return { deps, clock, coachId, eventTypeId };
}

const someone = () => ({ uid: uniqueId("student"), isAdmin: false });

describe("slots shared, not fetched per student", () => {
  it("answers 50 concurrent requests for one coach and range with one Cal.com call", async () => {
    const s = await coach();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => getAvailableSlots({ coachId: s.coachId, eventTypeId: s.eventTypeId, ...MONDAY }, someone(), s.deps)),
    );
    expect(standIns.calcom.callsTo("getSlots")).toHaveLength(1);
    const first = answers[0]?.slots.map((x) => x.start);
    for (const a of answers) expect(a.slots.map((x) => x.start)).toEqual(first);
    expect(first).toEqual(["2030-01-07T08:00:00.000Z", "2030-01-07T09:00:00.000Z", "2030-01-07T10:00:00.000Z", "2030-01-07T11:00:00.000Z"]);
    // One answer fetched from Cal.com, shared by all (or read back from the shared cache).
    for (const a of answers) expect(["calcom", "cache"]).toContain(a.source);
  });

  it("shows a slot taken by our own booking in the very next answer", async () => {
    const s = await coach();
    await getAvailableSlots({ coachId: s.coachId, eventTypeId: s.eventTypeId, ...MONDAY }, someone(), s.deps);
    const student = someone();
    await createBooking(
      {
        coachId: s.coachId,
        eventTypeId: s.eventTypeId,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-01-07T09:00:00.000Z",
        endTime: "2030-01-07T10:00:00.000Z",
      },
      student,
      s.deps,
    );
    const next = await getAvailableSlots({ coachId: s.coachId, eventTypeId: s.eventTypeId, ...MONDAY }, someone(), s.deps);
    expect(next.slots.map((x) => x.start)).not.toContain("2030-01-07T09:00:00.000Z");
  });

  it("answers the cached slots, marked with their age, when Cal.com is rate limited", async () => {
    const s = await coach();
    await getAvailableSlots({ coachId: s.coachId, eventTypeId: s.eventTypeId, ...MONDAY }, someone(), s.deps);
    s.clock.ms += 45_000; // past the cache's time to live
    standIns.calcom.rateLimitNext(10, 60, "getSlots");
    const answer = await getAvailableSlots({ coachId: s.coachId, eventTypeId: s.eventTypeId, ...MONDAY }, someone(), s.deps);
    expect(answer).toMatchObject({ source: "cache", ageSeconds: 45 });
    expect(answer.slots).toHaveLength(4);
  });
});

describe("interactive calls under a blocked key", () => {
  it("refuses createBooking with resource-exhausted and leaves no hold, no Cal.com booking, no Checkout Session", async () => {
    const s = await coach();
    const student = someone();
    standIns.calcom.rateLimitNext(10, 60, "createBooking");
    let error: unknown;
    try {
      await createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.eventTypeId,
          offeringId: "sixty",
          userId: student.uid,
          startTime: "2030-01-07T09:00:00.000Z",
          endTime: "2030-01-07T10:00:00.000Z",
        },
        student,
        s.deps,
      );
    } catch (err) {
      error = toHttpsError(err);
    }
    expect(error).toMatchObject({ code: "resource-exhausted", message: "Cal.com is busy right now. Please try again in a minute." });
    const mine = await getDb().collection("bookings").where("userId", "==", student.uid).get();
    expect(mine.docs.map((d) => [String(d.get("status")), String(d.get("paymentStatus"))])).toEqual([["cancelled", "pending"]]);
    const calendar = (await getDb().collection("coachCalendars").doc(s.coachId).get()).data() as { intervals: unknown[] } | undefined;
    expect(calendar?.intervals ?? []).toEqual([]);
    expect(standIns.calcom.listBookings()).toEqual([]);
    expect(standIns.stripe.sessions.size).toBe(0);
    // Inside Cal.com's 60 s block the client does not call again: it would only meet another 429.
    const calls = standIns.calcom.callsTo("createBooking").length;
    await expect(
      createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.eventTypeId,
          offeringId: "sixty",
          userId: student.uid,
          startTime: "2030-01-07T09:00:00.000Z",
          endTime: "2030-01-07T10:00:00.000Z",
        },
        student,
        s.deps,
      ),
    ).rejects.toMatchObject({ code: "upstream/rate-limited" });
    expect(standIns.calcom.callsTo("createBooking")).toHaveLength(calls);
    // The slot is free again, and the student may book once the block is over (a client that has not met it).
    standIns.calcom.clearFaults();
    const recovered = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => new Date(s.clock.ms) });
    const again = await createBooking(
      {
        coachId: s.coachId,
        eventTypeId: s.eventTypeId,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-01-07T09:00:00.000Z",
        endTime: "2030-01-07T10:00:00.000Z",
      },
      student,
      recovered,
    );
    expect((await bookingDoc(again.bookingId).get()).data()?.status).toBe("requested");
  });
});
