import { Timestamp } from "firebase-admin/firestore";
import { getAuth } from "firebase-admin/auth";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { calcomUserDoc, coachDoc } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { errorWithDetailsOf } from "../helpers/errors.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";

/**
 * Organization mode hands a coach a Cal.com user found by email: only a verified email, only a
 * user this backend created for that very coach, and one coach per user. Emails and their
 * verification come from the Auth emulator, as deployed.
 */

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

const week = { timeZone: "UTC", slots: [{ day: "monday" as const, startTime: "09:00", endTime: "12:00" }] };

async function authUser(email: string, emailVerified: boolean): Promise<string> {
  const uid = uniqueId("coach");
  await getAuth().createUser({ uid, email, emailVerified });
  return uid;
}

const sync = (coachId: string, deps = testDependencies(fake, { authEmulator: true })) =>
  syncAvailability({ coachId, availability: week }, { uid: coachId, isAdmin: false }, deps);

/** Nothing of the member was given away: no schedule, no team membership, no record, and the coach has no Cal.com user. */
async function expectMemberUntouched(memberId: number, coachId: string) {
  expect(fake.listSchedules().filter((s) => s.ownerId === memberId)).toEqual([]);
  expect(fake.callsTo("createOrgTeamMembership")).toEqual([]);
  expect((await calcomUserDoc(memberId).get()).exists).toBe(false);
  expect((await coachDoc(coachId).get()).data()?.calcomUserId ?? null).toBeNull();
}

describe("organization mode: whose Cal.com user a first sync may take", () => {
  it("refuses an unverified account whose email is an organization member's, before asking Cal.com anything", async () => {
    const email = `${uniqueId("admin")}@example.com`;
    const { userId } = fake.addOrgMember({ email });
    const coachId = await authUser(email, false);

    const err = await errorWithDetailsOf(sync(coachId));
    expect(err).toMatchObject({ code: "failed-precondition", details: { code: "auth/email-unverified" } });
    expect(err.message).toMatch(/^Verify your email address first/);
    expect(fake.requests).toEqual([]);
    await expectMemberUntouched(userId, coachId);
  });

  it("refuses a verified account whose email is a member this backend did not create, telling the coach to contact an admin", async () => {
    const email = `${uniqueId("former")}@example.com`;
    const { userId } = fake.addOrgMember({ email });
    const coachId = await authUser(email, true);

    const err = await errorWithDetailsOf(sync(coachId));
    expect(err).toMatchObject({ code: "failed-precondition", details: { code: "calcom/user-not-ours" } });
    expect(err.message).toMatch(/contact an administrator/i);
    expect(fake.callsTo("createOrgUser").map((r) => r.status)).toEqual([409]);
    await expectMemberUntouched(userId, coachId);
  });

  it("refuses a member we created for another coach", async () => {
    const email = `${uniqueId("moved")}@example.com`;
    const { userId } = fake.addOrgMember({ email, metadata: { coachifyCoachId: "someone-else" } });
    const coachId = await authUser(email, true);

    const err = await errorWithDetailsOf(sync(coachId));
    expect(err.details).toMatchObject({ code: "calcom/user-not-ours" });
    await expectMemberUntouched(userId, coachId);
  });

  it("adopts its own user on retry when the create's answer was lost, and records it for the coach", async () => {
    const email = `${uniqueId("lost")}@example.com`;
    const coachId = await authUser(email, true);
    const deps = testDependencies(fake, { authEmulator: true });

    fake.loseNextResponses(1, "createOrgUser");
    const out = await sync(coachId, deps).catch(() => sync(coachId, deps));

    const users = fake.listUsers().filter((u) => u.email === email);
    expect(users).toHaveLength(1);
    expect(users[0]?.metadata).toEqual({ coachifyCoachId: coachId });
    expect(fake.callsTo("createOrgUser").map((r) => r.status)).toContain(409);
    expect(out).toMatchObject({ calcomUserId: users[0]?.id, provisioned: true });
    expect((await calcomUserDoc(out.calcomUserId).get()).data()?.coachId).toBe(coachId);
    expect((await coachDoc(coachId).get()).data()).toMatchObject({ calcomUserId: out.calcomUserId, calcomMode: "organization" });
  });

  it("records each user it creates for its coach, in the step that gives the coach that user", async () => {
    const coachId = await authUser(`${uniqueId("fresh")}@example.com`, true);
    const out = await sync(coachId);
    expect(fake.listUsers().find((u) => u.id === out.calcomUserId)?.metadata).toEqual({ coachifyCoachId: coachId });
    expect((await calcomUserDoc(out.calcomUserId).get()).data()?.coachId).toBe(coachId);
  });
});

describe("one coach per Cal.com user", () => {
  it("never gives a user recorded for one coach to another, even one tagged for the second", async () => {
    const email = `${uniqueId("shared")}@example.com`;
    const { userId } = fake.addOrgMember({ email });
    const secondCoach = await authUser(email, true);
    // Tagged for the second coach in Cal.com, yet recorded here for a first one.
    fake.listUsers().find((u) => u.id === userId)!.metadata = { coachifyCoachId: secondCoach };
    await calcomUserDoc(userId).set({ coachId: "first-coach", createdAt: Timestamp.now() });

    const err = await errorWithDetailsOf(sync(secondCoach));
    expect(err).toMatchObject({ code: "already-exists", details: { code: "calcom/user-taken" } });
    expect(err.message).toMatch(/contact an administrator/i);
    expect((await calcomUserDoc(userId).get()).data()?.coachId).toBe("first-coach");
    expect((await coachDoc(secondCoach).get()).data()?.calcomUserId ?? null).toBeNull();
  });

  it("refuses to connect a key of a user recorded for another coach", async () => {
    const owner = await authUser(`${uniqueId("owner")}@example.com`, true);
    const { calcomUserId } = await sync(owner);
    const other = uniqueId("coach");

    const err = await errorWithDetailsOf(
      connectCalcomAccount({ apiKey: fake.addKey(calcomUserId) }, { uid: other, isAdmin: false }, testDependencies(fake)),
    );
    expect(err.details).toMatchObject({ code: "calcom/user-taken" });
    expect((await coachDoc(other).get()).exists).toBe(false);
  });

  it("lets the same coach sync again after losing its own record of the user", async () => {
    const coachId = await authUser(`${uniqueId("again")}@example.com`, true);
    const first = await sync(coachId);
    await coachDoc(coachId).update({ calcomUserId: null, calcomScheduleId: null });
    const second = await sync(coachId);
    expect(second).toMatchObject({ calcomUserId: first.calcomUserId, calcomScheduleId: first.calcomScheduleId, scheduleCreated: false });
  });
});
