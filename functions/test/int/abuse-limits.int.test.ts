import { describe, expect, it } from "vitest";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { DEFAULT_MAX_UPCOMING_PER_STUDENT as MAX_UPCOMING } from "../../src/domain/abuse-defaults.js";
import { MAX_CALENDAR_INTERVALS } from "../../src/domain/limits.js";
import { coachCalendarDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { invoke, useDeployedCodeWithGuardsReset } from "../helpers/callables.js";
import { testDependencies } from "../helpers/deps.js";
import { errorOf } from "../helpers/errors.js";
import { readyCoach, useStandIns } from "../helpers/in-process.js";

// What keeps one account from exhausting the backend: the per-account call budget, App Check,
// the cap on a student's upcoming sessions with one coach, and the bound on a coach's calendar.

const standIns = useStandIns();
useDeployedCodeWithGuardsReset(standIns);

describe("the per-account call budget", () => {
  it("refuses a burst from one account past its budget, saying when to retry, while another account is served", async () => {
    Object.assign(process.env, { RATE_LIMIT_CALLS_PER_MINUTE: "6", RATE_LIMIT_BURST: "3" });
    const greedy = { uid: uniqueId("greedy") };
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await invoke("getHealth", {}, greedy));
    expect(answers.slice(0, 3).every((a) => a.ok)).toBe(true);
    // 6 a minute: the next token comes 10 s after the calls (less the time they took).
    const refused = answers[3];
    expect(refused).toMatchObject({ ok: false, code: "resource-exhausted" });
    const wait = Number(
      /^Too many requests from this account\. Try again in (\d+) s\.$/.exec(refused?.ok === false ? refused.message : "")?.[1],
    );
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(10);
    expect(await invoke("getHealth", {}, { uid: uniqueId("other") })).toMatchObject({ ok: true });
    // Bad input spends the budget too: it is refused for the budget, before it is read.
    expect(await invoke("cancelBooking", { nonsense: true }, greedy)).toMatchObject({ code: "resource-exhausted" });
  });

  it("lets no more than the burst through when the calls arrive at once", async () => {
    Object.assign(process.env, { RATE_LIMIT_CALLS_PER_MINUTE: "1", RATE_LIMIT_BURST: "3" });
    const caller = { uid: uniqueId("burst") };
    const answers = await Promise.all(Array.from({ length: 10 }, () => invoke("getHealth", {}, caller)));
    const served = answers.filter((a) => a.ok).length;
    expect(served).toBeGreaterThanOrEqual(1);
    expect(served).toBeLessThanOrEqual(3);
    const refusals = answers.flatMap((a) => (a.ok ? [] : [a.code]));
    expect(new Set(refusals)).toEqual(new Set(["resource-exhausted"]));
  });

  it("budgets anonymous callers by address", async () => {
    Object.assign(process.env, { RATE_LIMIT_CALLS_PER_MINUTE: "6", RATE_LIMIT_BURST: "1" });
    const ip = `10.0.0.${Math.floor(Math.random() * 250)}`;
    expect(await invoke("getHealth", {}, null, { ip })).toMatchObject({ ok: true });
    expect(await invoke("getHealth", {}, null, { ip })).toMatchObject({ code: "resource-exhausted" });
    expect(await invoke("getHealth", {}, null, { ip: "10.1.1.1" })).toMatchObject({ ok: true });
  });
});

describe("App Check", () => {
  it("is not required while enforcement is off (the emulator's setting)", async () => {
    expect(await invoke("getHealth", {}, { uid: uniqueId("u") })).toMatchObject({ ok: true });
  });

  it("refuses a callable without a valid token when enforcement is on, and serves one with", async () => {
    process.env.APP_CHECK_ENFORCED = "true";
    const caller = { uid: uniqueId("u") };
    expect(await invoke("getHealth", {}, caller)).toEqual({
      ok: false,
      code: "unauthenticated",
      message: "This app could not be verified (App Check). Update the app, or try again from it.",
    });
    expect(await invoke("getHealth", {}, caller, { app: { appId: "1:123:web:abc" } })).toMatchObject({ ok: true });
  });

  it("refuses a replayed token on the calls that commit money or a calendar", async () => {
    process.env.APP_CHECK_ENFORCED = "true";
    const caller = { uid: uniqueId("u") };
    const replayed = { appId: "1:123:web:abc", alreadyConsumed: true };
    for (const name of ["createBooking", "cancelBooking", "rescheduleBooking"] as const) {
      expect(await invoke(name, {}, caller, { app: replayed })).toEqual({
        ok: false,
        code: "permission-denied",
        message: "This request was already made once. Try again from the app.",
      });
    }
    // A fresh token gets past App Check (and on to the input check).
    expect(await invoke("cancelBooking", {}, caller, { app: { appId: "1:123:web:abc", alreadyConsumed: false } })).toMatchObject({
      code: "invalid-argument",
    });
  });
});

describe("a student's upcoming sessions with one coach", () => {
  it("are capped, free ones included", async () => {
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 0, currency: "eur" });
    const studentId = uniqueId("student");
    // Monday 08:00-12:00 UTC: four hours a week, Mondays from 2030-01-07.
    const starts = [7, 14, 21].flatMap((day) => [8, 9, 10, 11].map((h) => Date.UTC(2030, 0, day, h)));
    const book = (startMs: number, uid = studentId) =>
      createBooking(
        {
          coachId,
          eventTypeId,
          offeringId: "sixty",
          userId: uid,
          startTime: new Date(startMs).toISOString(),
          endTime: new Date(startMs + 3_600_000).toISOString(),
        },
        { uid, isAdmin: false },
        deps,
      );
    for (const start of starts.slice(0, MAX_UPCOMING)) await book(start);
    expect(await errorOf(book(starts[MAX_UPCOMING] ?? 0))).toEqual({
      code: "resource-exhausted",
      message: `You already have ${MAX_UPCOMING} upcoming sessions with this coach. Book more once some have taken place or been cancelled.`,
    });
    // Another student is not held back by them.
    const other = uniqueId("student");
    const made = await book(starts[MAX_UPCOMING + 1] ?? 0, other);
    expect(made.bookingId).toMatch(/\S/);
  });
});

describe("a coach's calendar document", () => {
  it("is refused one more interval once full, and stays under the stated size", async () => {
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 0, currency: "eur" });
    // Full with intervals of the largest size we state (a 128-character uid), far in the future
    // and clear of the slot asked for below.
    const longUid = "u".repeat(128);
    const intervals = Array.from({ length: MAX_CALENDAR_INTERVALS }, (_, n) => ({
      bookingId: `b${String(n).padStart(19, "0")}`,
      userId: longUid,
      start: new Date(Date.UTC(2040, 0, 1) + n * 3_600_000).toISOString(),
      end: new Date(Date.UTC(2040, 0, 1) + (n + 1) * 3_600_000).toISOString(),
      bufferBeforeMinutes: 240,
      bufferAfterMinutes: 240,
    }));
    await coachCalendarDoc(coachId).set({ intervals, freedVersion: 0 });
    // Its JSON (an upper bound of Firestore's own size count) stays under the 600 KB the limit states.
    const bytes = Buffer.byteLength(JSON.stringify((await coachCalendarDoc(coachId).get()).data()));
    expect(bytes).toBeLessThan(600 * 1024);
    const studentId = uniqueId("student");
    const error = await errorOf(
      createBooking(
        {
          coachId,
          eventTypeId,
          offeringId: "sixty",
          userId: studentId,
          startTime: "2030-01-07T09:00:00.000Z",
          endTime: "2030-01-07T10:00:00.000Z",
        },
        { uid: studentId, isAdmin: false },
        deps,
      ),
    );
    expect(error).toEqual({
      code: "resource-exhausted",
      message: "This coach's calendar is full for now: no more sessions can be booked until some have taken place or been cancelled.",
    });
    expect((await coachCalendarDoc(coachId).get()).data()?.intervals).toHaveLength(MAX_CALENDAR_INTERVALS);
  });
});
