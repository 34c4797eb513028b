import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Coach } from "../../src/domain/coach.js";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { removeOffering, saveOffering } from "../../src/features/offerings/offerings.service.js";
import { eventTypeSlug } from "../../src/core/event-types/event-type-sync.js";
import { handleCoachWritten } from "../../src/core/event-types/coach-written.js";
import { coachDoc, getDb } from "../../src/shared/firestore.js";
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

const week = { timeZone: "Europe/Paris", slots: [{ day: "monday" as const, startTime: "09:00", endTime: "17:00" }] };
const offerings = [
  { id: "thirty", title: "30 min call", durationMinutes: 30, priceCents: 3_000, currency: "eur" },
  { id: "sixty", title: "60 min session", durationMinutes: 60, priceCents: 5_500, currency: "eur" },
  { id: "deep-dive", title: "Deep dive", durationMinutes: 90, priceCents: 8_000, currency: "eur" },
];

async function syncedCoach(mode: "organization" | "connected") {
  const coachId = uniqueId("coach");
  const deps = testDependencies(fake);
  const caller = { uid: coachId, isAdmin: false };
  if (mode === "connected") {
    const { apiKey } = fake.addUser({ email: `${coachId}@example.com`, timeZone: "Europe/Paris" });
    await connectCalcomAccount({ apiKey }, caller, deps);
  }
  await syncAvailability({ coachId, availability: week }, caller, deps);
  for (const offering of offerings) await saveOffering({ offering }, caller);
  return { coachId, deps, caller };
}

async function readCoach(coachId: string): Promise<Coach> {
  const coach = (await coachDoc(coachId).get()).data();
  if (!coach) throw new Error("coach missing");
  return coach;
}

const writes = () => fake.requests.filter((r) => r.method !== "GET" && /event-types/.test(r.path)).length;

describe.each(["organization", "connected"] as const)("offerings → Cal.com event types (%s mode)", (mode) => {
  it("creates one event type per offering, requiring confirmation and blocking the slot while pending", async () => {
    const { coachId, deps } = await syncedCoach(mode);
    await handleCoachWritten(coachId, deps);

    const coach = await readCoach(coachId);
    const types = fake.listEventTypes();
    expect(types).toHaveLength(3);
    for (const offering of coach.customOfferings) {
      const type = types.find((t) => t.id === offering.calcomEventTypeId);
      expect(type).toMatchObject({
        slug: eventTypeSlug(coachId, offering.id),
        lengthInMinutes: offering.durationMinutes,
        requiresConfirmation: true,
        blockUnconfirmed: true,
        hidden: true,
        bookingRequiresAuthentication: true,
        hostIds: [coach.calcomUserId],
      });
      if (mode === "organization") expect(type?.teamId).toBe(fake.teamId);
      else expect(type?.scheduleId).toBe(coach.calcomScheduleId);
    }
    // Prices stay with us: Cal.com event types are free.
    expect(coach.customOfferings.map((o) => o.priceCents)).toEqual([3_000, 5_500, 8_000]);
  });

  it("makes no Cal.com call when the trigger runs again (a retry, or our own write echoing)", async () => {
    const { coachId, deps } = await syncedCoach(mode);
    await handleCoachWritten(coachId, deps);
    const before = fake.requests.length;
    await handleCoachWritten(coachId, deps);
    await handleCoachWritten(coachId, deps);
    expect(fake.requests.length).toBe(before);
    expect(fake.listEventTypes()).toHaveLength(3);
  });

  it("creates nothing twice when two deliveries of the trigger run at once: one runs, the other is retried", async () => {
    const { coachId, deps } = await syncedCoach(mode);
    const both = await Promise.allSettled([handleCoachWritten(coachId, deps), handleCoachWritten(coachId, deps)]);
    // The lease lets one run at a time: the other waited its turn or is refused for the queue to retry.
    for (const r of both) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "request/in-progress" });
    await handleCoachWritten(coachId, deps);
    expect(fake.listEventTypes()).toHaveLength(3);
    const coach = await readCoach(coachId);
    expect(new Set(coach.customOfferings.map((o) => o.calcomEventTypeId)).size).toBe(3);
  });

  it("adopts an event type whose creation answer was lost instead of creating another", async () => {
    const { coachId, deps } = await syncedCoach(mode);
    await handleCoachWritten(coachId, deps);
    const firstIds = (await readCoach(coachId)).customOfferings.map((o) => o.calcomEventTypeId);
    // Forget every recorded outcome, as if Cal.com had applied the creates but we never heard back.
    const records = await getDb().collection(`coaches/${coachId}/eventTypes`).get();
    await Promise.all(records.docs.map((d) => d.ref.delete()));
    const coach = await readCoach(coachId);
    await getDb()
      .doc(`coaches/${coachId}`)
      .update({ customOfferings: coach.customOfferings.map((o) => ({ ...o, calcomEventTypeId: null })) });

    await handleCoachWritten(coachId, deps);
    expect(fake.listEventTypes()).toHaveLength(3);
    expect((await readCoach(coachId)).customOfferings.map((o) => o.calcomEventTypeId)).toEqual(firstIds);
  });

  it("adopts an event type whose create answer was lost, through Cal.com's 400 for a slug the owner already has", async () => {
    const { coachId, deps } = await syncedCoach(mode);
    const createOp = mode === "organization" ? "createTeamEventType" : "createEventType";
    // The first create is carried out and its answer lost: the create is tried again (by the
    // client's retry or the trigger's next run), and Cal.com says the slug is taken.
    fake.loseNextResponses(1, createOp);
    await handleCoachWritten(coachId, deps).catch(() => handleCoachWritten(coachId, deps));
    const refused = fake.callsTo(createOp).filter((r) => r.status === 400);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(fake.listEventTypes()).toHaveLength(3);
    const linked = (await readCoach(coachId)).customOfferings.map((o) => o.calcomEventTypeId);
    expect(new Set(linked).size).toBe(3);
    expect(linked.every((id) => id !== null && fake.eventType(id) !== undefined)).toBe(true);
  });

  it("updates the event type when an offering changes, gives a new length a new one, and deletes them when no booking needs them", async () => {
    const { coachId, deps, caller } = await syncedCoach(mode);
    await handleCoachWritten(coachId, deps);
    const sixty = (await readCoach(coachId)).customOfferings.find((o) => o.id === "sixty");

    await saveOffering({ offering: { ...offerings[1]!, title: "Hour session" } }, caller);
    const beforeUpdate = writes();
    await handleCoachWritten(coachId, deps);
    expect(writes() - beforeUpdate).toBe(1);
    expect(fake.eventType(sixty!.calcomEventTypeId!)).toMatchObject({ lengthInMinutes: 60, title: "Hour session" });

    // A new length: a new event type (Cal.com moves a booking at its event type's length); the
    // old one, with no booking on it, is deleted.
    await saveOffering({ offering: { ...offerings[1]!, durationMinutes: 45, title: "45 min session" } }, caller);
    expect((await readCoach(coachId)).customOfferings.find((o) => o.id === "sixty")?.calcomEventTypeId).toBeNull();
    await handleCoachWritten(coachId, deps);
    const fortyFive = (await readCoach(coachId)).customOfferings.find((o) => o.id === "sixty");
    expect(fortyFive?.calcomEventTypeId).not.toBe(sixty!.calcomEventTypeId);
    expect(fake.eventType(fortyFive!.calcomEventTypeId!)).toMatchObject({
      lengthInMinutes: 45,
      title: "45 min session",
      slug: eventTypeSlug(coachId, "sixty", 2),
    });
    expect(fake.eventType(sixty!.calcomEventTypeId!)).toBeUndefined();
    // A price change alone is ours: no Cal.com call.
    await saveOffering({ offering: { ...offerings[1]!, durationMinutes: 45, title: "45 min session", priceCents: 9_900 } }, caller);
    const beforePrice = fake.requests.length;
    await handleCoachWritten(coachId, deps);
    expect(fake.requests.length).toBe(beforePrice);

    await expect(removeOffering({ offeringId: "sixty" }, caller, deps)).resolves.toEqual({
      offeringId: "sixty",
      removed: true,
      liveBookings: 0,
    });
    await handleCoachWritten(coachId, deps);
    expect(fake.eventType(fortyFive!.calcomEventTypeId!)).toBeUndefined();
    expect(fake.listEventTypes()).toHaveLength(2);
    const afterDelete = fake.requests.length;
    await handleCoachWritten(coachId, deps);
    expect(fake.requests.length).toBe(afterDelete);
  });
});

describe("offering sync failures", () => {
  it("records a permanent failure on the coach instead of retrying forever", async () => {
    const { coachId } = await syncedCoach("organization");
    const noKey = testDependencies(fake, { calcomApiKey: null });
    await handleCoachWritten(coachId, noKey);
    expect((await readCoach(coachId)).eventTypeSyncError).toEqual({ code: "config/missing", message: "Cal.com API key not configured" });
    // A later success clears it.
    await handleCoachWritten(coachId, testDependencies(fake));
    expect((await readCoach(coachId)).eventTypeSyncError).toBeNull();
  });

  it("rethrows a transient failure so the platform retries the trigger", async () => {
    const { coachId, deps } = await syncedCoach("organization");
    fake.failNext(4, 503); // every attempt of the first create
    await expect(handleCoachWritten(coachId, deps)).rejects.toMatchObject({ code: "upstream/unavailable" });
    await handleCoachWritten(coachId, deps);
    expect(fake.listEventTypes()).toHaveLength(3);
  });

  it("refuses offering ids that would make a bad slug, naming the field", async () => {
    const { caller } = await syncedCoach("organization");
    const { SaveOfferingInputSchema } = await import("../../src/features/offerings/offerings.schemas.js");
    const parsed = SaveOfferingInputSchema.safeParse({ offering: { ...offerings[0], id: "Thirty_Min" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["offering", "id"]);
    await expect(removeOffering({ offeringId: "nope" }, caller, testDependencies(fake))).rejects.toMatchObject({
      code: "offering/not-found",
    });
  });
});
