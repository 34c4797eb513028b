import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getAvailableSlots, syncAvailability } from "../../src/features/availability/availability.service.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { toHttpsError } from "../../src/shared/errors.js";
import { bookingDoc, coachDoc } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { errorOf } from "../helpers/errors.js";
import { testDependencies } from "../helpers/deps.js";
import { payAndConfirm } from "../helpers/in-process.js";
import { expectLedgersBalanced } from "../helpers/ledger.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";

// Both stand-ins and our code share one clock the tests move, so notice, windows and cut-offs
// are exercised at exact instants.
const clock = { ms: Date.parse("2030-01-07T09:30:00.000Z") }; // Monday 10:30 in Paris
let calcom: FakeCalcom;
let stripe: FakeStripe;

beforeAll(async () => {
  initAdminFor("demo-coachify-int");
  calcom = await FakeCalcom.start({ now: () => clock.ms });
  stripe = await FakeStripe.start({ now: () => clock.ms });
});
afterAll(async () => {
  await calcom.stop();
  await stripe.stop();
});
afterEach(async () => {
  expect(calcom.violations).toEqual([]);
  await expectLedgersBalanced(stripe);
  calcom.reset();
  stripe.reset();
  clock.ms = Date.parse("2030-01-07T09:30:00.000Z");
});

const EVERY_DAY = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => ({
  day,
  startTime: "08:00",
  endTime: "20:00",
}));

async function coachWith(mode: "organization" | "connected", limits: Record<string, number | null>) {
  const deps = testDependencies(calcom, { stripe, now: () => new Date(clock.ms) });
  const coachId = uniqueId("coach");
  const coach = { uid: coachId, isAdmin: false };
  if (mode === "connected") {
    const { apiKey } = calcom.addUser({ email: `${coachId}@example.com`, timeZone: "Europe/Paris" });
    await connectCalcomAccount({ apiKey }, coach, deps);
  }
  await syncAvailability({ coachId, availability: { timeZone: "Europe/Paris", slots: EVERY_DAY } } as never, coach, deps);
  await saveOffering({ offering: { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 6_000, currency: "eur" } }, coach);
  await saveOffering({ offering: { id: "thirty", title: "30 min", durationMinutes: 30, priceCents: 3_500, currency: "eur" } }, coach);
  await saveSchedulingLimits({ limits }, coach);
  await syncOfferingEventTypes(coachId, deps);
  const offerings = (await coachDoc(coachId).get()).data()?.customOfferings ?? [];
  const eventTypeOf = (id: string) => offerings.find((o) => o.id === id)?.calcomEventTypeId ?? 0;
  return { deps, coachId, coach, sixty: eventTypeOf("sixty"), thirty: eventTypeOf("thirty") };
}

const student = () => ({ uid: uniqueId("student"), isAdmin: false });
const hourFrom = (start: string, minutes = 60) => new Date(Date.parse(start) + minutes * 60_000).toISOString();

async function starts(s: Awaited<ReturnType<typeof coachWith>>, eventTypeId: number, dateFrom: string, dateTo = dateFrom) {
  const out = await getAvailableSlots({ coachId: s.coachId, eventTypeId, dateFrom, dateTo }, student(), s.deps);
  return out.slots.map((slot) => slot.start);
}

describe.each(["organization", "connected"] as const)("scheduling limits (%s mode)", (mode) => {
  it("omits and refuses a slot inside the notice, and Cal.com's event types carry the same limits", async () => {
    const s = await coachWith(mode, { minimumNoticeMinutes: 60, bufferBeforeMinutes: 15, bufferAfterMinutes: 15, bookingWindowDays: 60 });
    const today = await starts(s, s.sixty, "2030-01-07");
    expect(today).not.toContain("2030-01-07T10:00:00.000Z"); // 30 min away
    expect(today).toContain("2030-01-07T11:00:00.000Z");
    const someone = student();
    const err = await errorOf(
      createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.sixty,
          offeringId: "sixty",
          userId: someone.uid,
          startTime: "2030-01-07T10:00:00.000Z",
          endTime: "2030-01-07T11:00:00.000Z",
        },
        someone,
        s.deps,
      ),
    );
    expect(err.code).toBe("failed-precondition");
    expect(err.message).toMatch(/60 minutes' notice/);
    for (const id of [s.sixty, s.thirty]) {
      expect(calcom.eventType(id)).toMatchObject({
        minimumBookingNotice: 60,
        beforeEventBuffer: 15,
        afterEventBuffer: 15,
        bookingWindow: { type: "calendarDays", value: 60, rolling: true },
      });
    }
    // Changing a limit updates the event types, once.
    await saveSchedulingLimits({ limits: { minimumNoticeMinutes: 30 } }, s.coach);
    const writesBefore = calcom.requests.filter((r) => r.method === "PATCH").length;
    await syncOfferingEventTypes(s.coachId, s.deps);
    await syncOfferingEventTypes(s.coachId, s.deps);
    expect(calcom.requests.filter((r) => r.method === "PATCH").length - writesBefore).toBe(2);
    expect(calcom.eventType(s.sixty)?.minimumBookingNotice).toBe(30);
  });

  it("offers nothing beyond the booking window, counted in the coach's time zone", async () => {
    const s = await coachWith(mode, { minimumNoticeMinutes: 0, bookingWindowDays: 60 });
    // Today is 7 January in Paris: the last bookable day is 8 March.
    expect((await starts(s, s.sixty, "2030-03-08")).length).toBeGreaterThan(0);
    expect(await starts(s, s.sixty, "2030-03-09")).toEqual([]);
  });

  it("ends the window at Paris midnight on the day summer time starts", async () => {
    clock.ms = Date.parse("2030-03-01T09:30:00.000Z");
    const s = await coachWith(mode, { minimumNoticeMinutes: 0, bookingWindowDays: 30 });
    const lastDay = await starts(s, s.sixty, "2030-03-31");
    expect(lastDay[0]).toBe("2030-03-31T06:00:00.000Z"); // 08:00 CEST
    expect(lastDay.at(-1)).toBe("2030-03-31T17:00:00.000Z");
    expect(await starts(s, s.sixty, "2030-04-01")).toEqual([]);
    const someone = student();
    const err = await errorOf(
      createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.sixty,
          offeringId: "sixty",
          userId: someone.uid,
          startTime: "2030-04-01T06:00:00.000Z",
          endTime: "2030-04-01T07:00:00.000Z",
        },
        someone,
        s.deps,
      ),
    );
    expect(err.message).toMatch(/up to 30 days ahead/);
  });

  it("keeps 15 min buffers around a 60 min session free for the coach's other offerings", async () => {
    const s = await coachWith(mode, { minimumNoticeMinutes: 0, bufferBeforeMinutes: 15, bufferAfterMinutes: 15, slotIntervalMinutes: 15 });
    const someone = student();
    // Tuesday 10:00-11:00 in Paris blocks 09:45-11:15.
    await createBooking(
      {
        coachId: s.coachId,
        eventTypeId: s.sixty,
        offeringId: "sixty",
        userId: someone.uid,
        startTime: "2030-01-08T09:00:00.000Z",
        endTime: "2030-01-08T10:00:00.000Z",
      },
      someone,
      s.deps,
    );
    const thirty = await starts(s, s.thirty, "2030-01-08");
    expect(thirty).toContain("2030-01-08T08:00:00.000Z"); // 09:00-09:30, its own buffer ends 09:45
    expect(thirty).not.toContain("2030-01-08T08:30:00.000Z"); // 09:30-10:00 runs into 09:45
    expect(thirty).not.toContain("2030-01-08T10:00:00.000Z"); // 11:00-11:30 starts inside the after-buffer
    const other = student();
    const err = await errorOf(
      createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.thirty,
          offeringId: "thirty",
          userId: other.uid,
          startTime: "2030-01-08T10:00:00.000Z",
          endTime: "2030-01-08T10:30:00.000Z",
        },
        other,
        s.deps,
      ),
    );
    expect(err.code).toBe("already-exists");
    const next = await createBooking(
      {
        coachId: s.coachId,
        eventTypeId: s.thirty,
        offeringId: "thirty",
        userId: other.uid,
        startTime: "2030-01-08T10:30:00.000Z",
        endTime: "2030-01-08T11:00:00.000Z",
      },
      other,
      s.deps,
    );
    expect(next.bookingId).toBeTruthy(); // 11:30 Paris: free, as Cal.com would say
  });
});

describe("the student cut-off", () => {
  it("refuses a student's cancel and move inside it, frozen at booking; the coach's cancel at the same moment refunds in full", async () => {
    const s = await coachWith("organization", { minimumNoticeMinutes: 0, studentCutoffMinutes: 240 });
    const someone = student();
    const start = "2030-01-08T09:00:00.000Z";
    const { bookingId } = await createBooking(
      { coachId: s.coachId, eventTypeId: s.sixty, offeringId: "sixty", userId: someone.uid, startTime: start, endTime: hourFrom(start) },
      someone,
      s.deps,
    );
    await payAndConfirm(bookingId, stripe, s.deps);
    await saveSchedulingLimits({ limits: { studentCutoffMinutes: 0 } }, s.coach); // later bookings only
    clock.ms = Date.parse(start) - 3 * 3_600_000;
    const before = (await bookingDoc(bookingId).get()).data();
    const cancel = await errorOf(cancelBooking({ bookingId, reason: "Late" }, someone, s.deps));
    expect(cancel.code).toBe("failed-precondition");
    expect(cancel.message).toBe(
      "Students cannot cancel a session less than 240 minutes before it starts (studentCutoffMinutes): that point passed at 2030-01-08T05:00:00.000Z. Ask the coach.",
    );
    const move = await errorOf(
      rescheduleBooking(
        { bookingId, newStartTime: "2030-01-08T12:00:00.000Z", newEndTime: "2030-01-08T13:00:00.000Z", refundDifference: true, reason: "" },
        someone,
        s.deps,
      ),
    );
    expect(move.message).toMatch(/^Students cannot move a session/);
    expect((await bookingDoc(bookingId).get()).data()).toEqual(before);

    const byCoach = await cancelBooking({ bookingId, reason: "Coach ill" }, s.coach, s.deps);
    expect(byCoach).toMatchObject({ refundCents: 6_000, tier: "coach-cancellation" });
    await runBookingEffects(bookingId, s.deps);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({ paymentStatus: "refunded", refundedCents: 6_000 });
  });
});

describe("no hold squatting", () => {
  it("lets a student hold one unpaid slot per coach, even under 20 concurrent attempts, until it expires", async () => {
    const s = await coachWith("organization", { minimumNoticeMinutes: 0 });
    const someone = student();
    const book = (hour: number) =>
      createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.thirty,
          offeringId: "thirty",
          userId: someone.uid,
          startTime: `2030-01-09T${String(hour).padStart(2, "0")}:00:00.000Z`,
          endTime: `2030-01-09T${String(hour).padStart(2, "0")}:30:00.000Z`,
        },
        someone,
        s.deps,
      );
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        createBooking(
          {
            coachId: s.coachId,
            eventTypeId: s.thirty,
            offeringId: "thirty",
            userId: someone.uid,
            startTime: new Date(Date.parse("2030-01-10T07:00:00.000Z") + i * 30 * 60_000).toISOString(),
            endTime: new Date(Date.parse("2030-01-10T07:30:00.000Z") + i * 30 * 60_000).toISOString(),
          },
          someone,
          s.deps,
        ),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect(["resource-exhausted", "aborted"]).toContain((toHttpsError(r.reason) as { code: string }).code);
    const second = await errorOf(book(8));
    expect(second).toEqual({
      code: "resource-exhausted",
      message: "You already have an unpaid booking with this coach. Pay for it or cancel it before booking another.",
    });
    clock.ms += 36 * 60_000; // the hold expires
    expect((await book(8)).bookingId).toBeTruthy();
  }, 60_000);

  it("caps a student at three unpaid holds in all", async () => {
    const someone = student();
    const coaches = await Promise.all([1, 2, 3, 4].map(() => coachWith("organization", { minimumNoticeMinutes: 0 })));
    for (const s of coaches.slice(0, 3))
      await createBooking(
        {
          coachId: s.coachId,
          eventTypeId: s.sixty,
          offeringId: "sixty",
          userId: someone.uid,
          startTime: "2030-01-08T09:00:00.000Z",
          endTime: "2030-01-08T10:00:00.000Z",
        },
        someone,
        s.deps,
      );
    const fourth = coaches[3];
    if (!fourth) throw new Error("missing coach");
    const err = await errorOf(
      createBooking(
        {
          coachId: fourth.coachId,
          eventTypeId: fourth.sixty,
          offeringId: "sixty",
          userId: someone.uid,
          startTime: "2030-01-08T09:00:00.000Z",
          endTime: "2030-01-08T10:00:00.000Z",
        },
        someone,
        fourth.deps,
      ),
    );
    expect(err).toEqual({
      code: "resource-exhausted",
      message: "You have 3 unpaid bookings. Pay for one or cancel it before booking another.",
    });
  });
});
