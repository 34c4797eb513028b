import { getAuth } from "firebase-admin/auth";
import type { CollectionReference } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { ERASED_TEXT, eraseLateData } from "../../src/core/erasure.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { coachStatement } from "../../src/features/money/money.service.js";
import { eraseAccount, deleteMyAccount } from "../../src/features/personal-data/deletion.service.js";
import { exportMyData } from "../../src/features/personal-data/export.service.js";
import { onAuthUserDeleted } from "../../src/features/personal-data/personal-data.triggers.js";
import { calcomCredentialDoc, deletedUserDoc, getDb, notificationsCollection, rawCoachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { databaseFingerprint } from "../helpers/fingerprint.js";
import { payAndConfirm, readyCoach, storedBooking, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();

const PRICE = { priceCents: 10_000, currency: "eur" };
/** Mondays inside the coach's availability (08:00-12:00 UTC). */
const MONDAYS = ["2030-01-07", "2030-01-14", "2030-01-21", "2030-01-28"];
const slot = (i: number) => ({ startTime: `${MONDAYS[i]}T09:00:00.000Z`, endTime: `${MONDAYS[i]}T10:00:00.000Z` });

interface Person {
  uid: string;
  email: string;
  displayName: string;
  caller: { uid: string; isAdmin: boolean };
}

async function person(prefix: string, name: string): Promise<Person> {
  const uid = uniqueId(prefix);
  const email = `${uid}@example.com`;
  const displayName = `${name} ${uid.slice(-6)}`;
  await getAuth().createUser({ uid, email, displayName });
  return { uid, email, displayName, caller: { uid, isAdmin: false } };
}

const admin = { uid: "admin-personal-data", isAdmin: true };

/** Every document of every collection, subcollections included, as text. */
async function everyDocument(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (collections: CollectionReference[]) => {
    for (const c of collections) {
      for (const ref of await c.listDocuments()) {
        const snap = await ref.get();
        if (snap.exists) out.push(`${ref.path} ${JSON.stringify(snap.data())}`);
        await walk(await ref.listCollections());
      }
    }
  };
  await walk(await getDb().listCollections());
  return out;
}

async function expectNowhere(...needles: string[]): Promise<void> {
  const docs = await everyDocument();
  for (const needle of needles) expect(docs.filter((d) => d.toLowerCase().includes(needle.toLowerCase()))).toEqual([]);
}

/**
 * A coach (named, in the organization or connected) and a student (named, with an email) with
 * three bookings: A paid then cancelled by the student with a reason naming them, B paid and live,
 * and C of another student, paid and live.
 */
async function world(options: { connected?: boolean } = {}) {
  const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
  const { coachId, eventTypeId } = await readyCoach(deps, PRICE, options.connected ? standIns.calcom : undefined);
  const coachName = `Ada Coach ${coachId.slice(-6)}`;
  await getAuth().createUser({ uid: coachId, email: `${coachId}@example.com`, displayName: coachName });
  await rawCoachDoc(coachId).update({ displayName: coachName });
  const coach: Person = { uid: coachId, email: `${coachId}@example.com`, displayName: coachName, caller: { uid: coachId, isAdmin: false } };
  const student = await person("student", "Grace Student");
  const other = await person("student", "Otto Other");
  const book = async (who: Person, i: number) => {
    const { bookingId } = await createBooking({ coachId, eventTypeId, offeringId: "sixty", userId: who.uid, ...slot(i) }, who.caller, deps);
    await payAndConfirm(bookingId, standIns.stripe, deps);
    return bookingId;
  };
  const a = await book(student, 0);
  await cancelBooking(
    { bookingId: a, reason: `${student.displayName} (${student.email}) is ill, tell ${coach.displayName}` },
    student.caller,
    deps,
  );
  await runBookingEffects(a, deps);
  const b = await book(student, 1);
  const c = await book(other, 2);
  return { deps, coach, student, other, bookings: { a, b, c } };
}

const window = () => ({ from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() });
const lines = (s: Awaited<ReturnType<typeof coachStatement>>) => new Map(s.bookings.map((b) => [b.bookingId, b]));

describe("exportMyData", () => {
  it("returns the caller's bookings with their audit trail and ledger, their notifications, and nothing of anyone else", async () => {
    const w = await world();
    const out = await exportMyData(null, w.student.caller);
    expect(out.uid).toBe(w.student.uid);
    expect(out.account).toMatchObject({ email: w.student.email, displayName: w.student.displayName });
    expect(out.coach).toBeNull();
    expect(out.bookingsAsStudent.map((b) => b.id).sort()).toEqual([w.bookings.a, w.bookings.b].sort());
    expect(out.bookingsAsCoach).toEqual([]);
    const a = out.bookingsAsStudent.find((b) => b.id === w.bookings.a);
    expect(a?.events.map((e) => (e as { type?: string }).type)).toContain("cancelled");
    expect(a?.ledger.map((l) => (l as { kind?: string }).kind).sort()).toEqual(["captured", "refunded"]);
    expect(out.notifications.length).toBeGreaterThan(0);
    expect(out.notifications.every((n) => (n as { recipientId?: string }).recipientId === w.student.uid)).toBe(true);
    const text = JSON.stringify(out);
    expect(text).not.toContain(w.bookings.c);
    expect(text).not.toContain(w.other.uid);
  });

  it("lets an admin export a named user, and refuses anyone else naming them", async () => {
    const w = await world();
    const byAdmin = await exportMyData({ uid: w.student.uid }, admin);
    expect(byAdmin.bookingsAsStudent.map((b) => b.id).sort()).toEqual([w.bookings.a, w.bookings.b].sort());
    await expect(exportMyData({ uid: w.student.uid }, w.other.caller)).rejects.toMatchObject({ code: "auth/permission-denied" });
    await expect(exportMyData({ uid: w.student.uid }, w.coach.caller)).rejects.toMatchObject({ code: "auth/permission-denied" });
  });

  it("gives a coach their profile and coached bookings, and says their Cal.com key is held without returning it", async () => {
    const w = await world({ connected: true });
    const apiKey = (await calcomCredentialDoc(w.coach.uid).get()).data()?.apiKey ?? "";
    expect(apiKey).not.toBe("");
    const out = await exportMyData({}, w.coach.caller);
    expect(out.coach).toMatchObject({ displayName: w.coach.displayName });
    expect(out.calcomCredential).toMatchObject({ held: true });
    expect(out.bookingsAsCoach.map((b) => b.id).sort()).toEqual(Object.values(w.bookings).sort());
    expect(JSON.stringify(out)).not.toContain(apiKey);
  });
});

describe("deleteMyAccount", () => {
  it("cancels the student's live booking by the policy, leaves no name or email anywhere, keeps the ledger, and a second run changes nothing", async () => {
    const w = await world();
    const before = await coachStatement({ ...window(), coachId: w.coach.uid }, admin);

    const out = await deleteMyAccount({}, w.student.caller, w.deps);
    expect(out).toMatchObject({ uid: w.student.uid, cancelled: [w.bookings.b], keptLive: [], authUserDeleted: true });
    // What the booking trigger does after the write: the refund (its notice to the student comes back), then the erasure again.
    await runBookingEffects(w.bookings.b, w.deps);
    expect((await notificationsCollection().where("recipientId", "==", w.student.uid).get()).size).toBeGreaterThan(0);
    await eraseLateData(w.bookings.b, new Date());
    expect((await notificationsCollection().where("recipientId", "==", w.student.uid).get()).size).toBe(0);

    const b = await storedBooking(w.bookings.b);
    expect(b).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000, calcomStatus: "cancelled" });
    expect(b.cancellation).toMatchObject({ by: "student", reason: ERASED_TEXT });
    expect((await storedBooking(w.bookings.a)).cancellation?.reason).toBe(ERASED_TEXT);
    await expectNowhere(w.student.email, w.student.displayName);
    await expect(getAuth().getUser(w.student.uid)).rejects.toMatchObject({ code: "auth/user-not-found" });
    expect(Object.keys((await deletedUserDoc(w.student.uid).get()).data() ?? {}).sort()).toEqual(["deletedAt", "via"]);

    // The ledger still sums: the other bookings' lines are as they were, and B's net is its refund taken off.
    const after = await coachStatement({ ...window(), coachId: w.coach.uid }, admin);
    for (const id of [w.bookings.a, w.bookings.c]) expect(lines(after).get(id)).toEqual(lines(before).get(id));
    expect(lines(after).get(w.bookings.b)).toMatchObject({ capturedCents: 10_000, refundedCents: 10_000, netCents: 0 });
    expect(after.totals[0]?.netCents).toBe((before.totals[0]?.netCents ?? 0) - 10_000);
    // The other student's booking is untouched.
    expect(await storedBooking(w.bookings.c)).toMatchObject({ status: "confirmed", paymentStatus: "paid" });

    const fingerprint = await databaseFingerprint();
    expect(await deleteMyAccount({ uid: w.student.uid }, admin, w.deps)).toMatchObject({ cancelled: [], documentsChanged: 0 });
    expect(await eraseAccount(w.student.uid, "auth", w.deps)).toMatchObject({ cancelled: [], documentsChanged: 0 });
    expect(await eraseLateData(w.bookings.b, new Date())).toBe(0);
    expect(await databaseFingerprint()).toEqual(fingerprint);
  });

  it("cancels a coach's live bookings with a full refund and removes their profile's name", async () => {
    const w = await world();
    const out = await deleteMyAccount({}, w.coach.caller, w.deps);
    expect(out.cancelled.sort()).toEqual([w.bookings.b, w.bookings.c].sort());
    for (const id of out.cancelled) await runBookingEffects(id, w.deps);
    for (const id of out.cancelled) {
      expect(await storedBooking(id)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
      expect((await storedBooking(id)).cancellation).toMatchObject({ by: "coach", tier: "coach-cancellation" });
    }
    const profile = (await rawCoachDoc(w.coach.uid).get()).data();
    expect(profile).not.toHaveProperty("displayName");
    expect(profile).toMatchObject({ customOfferings: [], availabilitySlots: [] });
    await expectNowhere(w.coach.email, w.coach.displayName, w.student.displayName, w.student.email);
  });

  it("runs the same way from the Auth trigger when the user is deleted elsewhere", async () => {
    const w = await world();
    const before = await coachStatement({ ...window(), coachId: w.coach.uid }, admin);
    const user = await getAuth().getUser(w.student.uid);
    await getAuth().deleteUser(w.student.uid);
    await (onAuthUserDeleted as unknown as { run(user: unknown, context: unknown): Promise<unknown> }).run(user, {});
    await runBookingEffects(w.bookings.b, w.deps);
    await eraseLateData(w.bookings.b, new Date());
    expect(await storedBooking(w.bookings.b)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
    expect((await deletedUserDoc(w.student.uid).get()).data()?.via).toBe("auth");
    await expectNowhere(w.student.email, w.student.displayName);
    const after = await coachStatement({ ...window(), coachId: w.coach.uid }, admin);
    expect(lines(after).get(w.bookings.a)).toEqual(lines(before).get(w.bookings.a));

    const fingerprint = await databaseFingerprint();
    await (onAuthUserDeleted as unknown as { run(user: unknown, context: unknown): Promise<unknown> }).run(user, {});
    expect(await databaseFingerprint()).toEqual(fingerprint);
  });

  it("refuses a non-admin naming another account", async () => {
    const w = await world();
    await expect(deleteMyAccount({ uid: w.student.uid }, w.other.caller, w.deps)).rejects.toMatchObject({
      code: "auth/permission-denied",
    });
    expect((await deletedUserDoc(w.student.uid).get()).exists).toBe(false);
  });
});
