import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import {
  collection,
  deleteField,
  doc,
  getDoc,
  getDocs,
  query,
  setDoc,
  setLogLevel,
  Timestamp,
  updateDoc,
  where,
  deleteDoc,
} from "firebase/firestore";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";

const RULES = fileURLToPath(new URL("../../../firestore.rules", import.meta.url));

type Role = "anonymous" | "student" | "otherStudent" | "coach" | "otherCoach" | "admin";
const UID: Record<Exclude<Role, "anonymous">, string> = {
  student: "student-1",
  otherStudent: "student-2",
  coach: "coach-1",
  otherCoach: "coach-2",
  admin: "admin-1",
};

let env: RulesTestEnvironment;

function as(role: Role): RulesTestContext {
  if (role === "anonymous") return env.unauthenticatedContext();
  if (role === "admin") return env.authenticatedContext(UID.admin, { admin: true });
  return env.authenticatedContext(UID[role]);
}

const booking = (coachId: string, userId: string) => ({
  coachId,
  userId,
  offeringId: "sixty",
  status: "confirmed",
  paymentStatus: "paid",
  amountCents: 6_000,
  currency: "eur",
  refundedCents: 0,
  startTime: Timestamp.fromDate(new Date("2026-12-10T10:00:00Z")),
  calcomBookingUid: "uid-1",
  stripePaymentIntentId: "pi_1",
});

beforeAll(async () => {
  // Every denied write is also logged by the SDK as an error: keep the report readable.
  setLogLevel("silent");
  env = await initializeTestEnvironment({
    projectId: "demo-coachify-rules",
    firestore: { rules: readFileSync(RULES, "utf8") },
  });
});

afterAll(async () => {
  await env.cleanup();
});

beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, "coaches/coach-1"), { displayName: "Ada", timeZone: "Europe/Paris", calcomUserId: 7, customOfferings: [] });
    await setDoc(doc(db, "coaches/coach-2"), { displayName: "Bo", timeZone: "America/New_York", calcomUserId: 8, customOfferings: [] });
    await setDoc(doc(db, "bookings/b1"), booking("coach-1", "student-1"));
    await setDoc(doc(db, "bookings/b2"), booking("coach-2", "student-2"));
    for (const b of ["b1", "b2"]) {
      await setDoc(doc(db, `bookings/${b}/events/e1`), { type: "created" });
      await setDoc(doc(db, `bookings/${b}/ledger/pi_1`), { amountCents: 6_000, kind: "captured" });
    }
    for (const [id, recipientId] of [
      ["n-s1", "student-1"],
      ["n-s2", "student-2"],
      ["n-c1", "coach-1"],
      ["n-c2", "coach-2"],
    ] as const) {
      await setDoc(doc(db, `notifications/${id}`), { recipientId, title: "Booked", createdAt: Timestamp.now() });
    }
    await setDoc(doc(db, "notificationPreferences/student-1"), { channels: { reminder: { push: false } }, timeZone: null });
    await setDoc(doc(db, "users/student-1/pushTokens/phone"), { token: "phone:APA91b-token", platform: "android" });
    await setDoc(doc(db, "mail/n-s1"), {
      to: ["student-1@example.com"],
      recipientId: "student-1",
      message: { subject: "Booked", text: "x" },
    });
    await setDoc(doc(db, "pushDeliveries/n-s1_phone"), { recipientId: "student-1", state: "sent" });
    await setDoc(doc(db, "calcomCredentials/coach-1"), { apiKey: "cal_live_secret" });
    await setDoc(doc(db, "webhookEvents/stripe_evt_1"), { outcome: "processed" });
  });
});

type Case = [Role, string, (ctx: RulesTestContext) => Promise<unknown>];

function allowed(cases: Case[]) {
  it.each(cases)("allows %s to %s", async (role, _what, op) => {
    await assertSucceeds(op(as(role)));
  });
}
function denied(cases: Case[]) {
  it.each(cases)("denies %s to %s", async (role, _what, op) => {
    await assertFails(op(as(role)));
  });
}

const read = (path: string) => (ctx: RulesTestContext) => getDoc(doc(ctx.firestore(), path));

describe("coaches", () => {
  allowed([
    ["coach", "read their own coach document", read("coaches/coach-1")],
    ["otherCoach", "read their own coach document", read("coaches/coach-2")],
    ["coach", "change their display name", (c) => updateDoc(doc(c.firestore(), "coaches/coach-1"), { displayName: "Ada L." })],
    [
      "student",
      "create their own coach profile with profile fields only",
      (c) => setDoc(doc(c.firestore(), "coaches/student-1"), { displayName: "New", timeZone: "UTC" }),
    ],
    ["otherStudent", "create their own coach profile", (c) => setDoc(doc(c.firestore(), "coaches/student-2"), { timeZone: "Asia/Tokyo" })],
    ["admin", "read any coach document", read("coaches/coach-2")],
  ]);
  denied([
    ["anonymous", "read a coach document", read("coaches/coach-1")],
    ["anonymous", "create a coach document", (c) => setDoc(doc(c.firestore(), "coaches/x"), { timeZone: "UTC" })],
    ["student", "read a coach document", read("coaches/coach-1")],
    [
      "otherStudent",
      "create a coach profile carrying a Cal.com id",
      (c) => setDoc(doc(c.firestore(), "coaches/student-2"), { timeZone: "UTC", calcomUserId: 1 }),
    ],
    ["student", "create a coach profile for someone else", (c) => setDoc(doc(c.firestore(), "coaches/student-9"), { timeZone: "UTC" })],
    ["coach", "read another coach's document", read("coaches/coach-2")],
    ["coach", "write their own Cal.com user id", (c) => updateDoc(doc(c.firestore(), "coaches/coach-1"), { calcomUserId: 99 })],
    [
      "coach",
      "write their own offerings (prices are server-owned)",
      (c) => updateDoc(doc(c.firestore(), "coaches/coach-1"), { customOfferings: [{ id: "x", priceCents: 1 }] }),
    ],
    ["coach", "delete their coach document", (c) => deleteDoc(doc(c.firestore(), "coaches/coach-1"))],
    ["otherCoach", "edit another coach", (c) => updateDoc(doc(c.firestore(), "coaches/coach-1"), { displayName: "Mallory" })],
  ]);
});

describe("coach profile field types", () => {
  const create = (data: Record<string, unknown>) => (c: RulesTestContext) => setDoc(doc(c.firestore(), "coaches/student-1"), data);
  const update = (data: Record<string, unknown>) => (c: RulesTestContext) => updateDoc(doc(c.firestore(), "coaches/coach-1"), data);
  allowed([
    ["student", "create a profile with a 200-character name", create({ displayName: "n".repeat(200), timeZone: "Europe/Paris" })],
    ["coach", "rename themselves with a string", update({ displayName: "Ada B." })],
    ["coach", "remove their display name", update({ displayName: deleteField() })],
    ["coach", "change their time zone to a string", update({ timeZone: "Asia/Tokyo" })],
  ]);
  denied([
    ["student", "create a profile whose name is a number", create({ displayName: 42, timeZone: "UTC" })],
    ["student", "create a profile whose name is a map", create({ displayName: { first: "A" }, timeZone: "UTC" })],
    ["student", "create a profile with a 201-character name", create({ displayName: "n".repeat(201), timeZone: "UTC" })],
    ["student", "create a profile whose time zone is a number", create({ timeZone: 1 })],
    ["student", "create a profile whose time zone is empty", create({ timeZone: "" })],
    ["student", "create a profile whose time zone is 65 characters", create({ timeZone: "z".repeat(65) })],
    ["student", "create a profile without a time zone", create({ displayName: "A" })],
    ["coach", "set their name to a boolean", update({ displayName: true })],
    ["coach", "set their name to a list", update({ displayName: ["A", "B"] })],
    ["coach", "set their name to null", update({ displayName: null })],
    ["coach", "set their name to 201 characters", update({ displayName: "n".repeat(201) })],
    ["coach", "set their time zone to a timestamp", update({ timeZone: Timestamp.now() })],
    ["coach", "remove their time zone", update({ timeZone: deleteField() })],
  ]);
});

describe("bookings", () => {
  allowed([
    ["student", "read their own booking", read("bookings/b1")],
    ["otherStudent", "read their own booking", read("bookings/b2")],
    ["coach", "read a booking they coach", read("bookings/b1")],
    ["otherCoach", "read a booking they coach", read("bookings/b2")],
    ["admin", "read any booking", read("bookings/b2")],
    [
      "student",
      "list their own bookings",
      (c) => getDocs(query(collection(c.firestore(), "bookings"), where("userId", "==", "student-1"))),
    ],
    [
      "coach",
      "list the bookings they coach",
      (c) => getDocs(query(collection(c.firestore(), "bookings"), where("coachId", "==", "coach-1"))),
    ],
  ]);
  denied([
    ["anonymous", "read a booking", read("bookings/b1")],
    ["student", "read another student's booking", read("bookings/b2")],
    ["student", "list every booking", (c) => getDocs(collection(c.firestore(), "bookings"))],
    ["student", "set their booking's status", (c) => updateDoc(doc(c.firestore(), "bookings/b1"), { status: "cancelled" })],
    ["student", "set their booking's paymentStatus", (c) => updateDoc(doc(c.firestore(), "bookings/b1"), { paymentStatus: "refunded" })],
    ["student", "create a booking directly", (c) => setDoc(doc(c.firestore(), "bookings/b9"), booking("coach-1", "student-1"))],
    ["otherStudent", "read another student's booking", read("bookings/b1")],
    ["coach", "read a booking of another coach", read("bookings/b2")],
    ["coach", "change the amount of their booking", (c) => updateDoc(doc(c.firestore(), "bookings/b1"), { amountCents: 1 })],
    ["coach", "write a Stripe id", (c) => updateDoc(doc(c.firestore(), "bookings/b1"), { stripePaymentIntentId: "pi_x" })],
    ["otherCoach", "read a booking of another coach", read("bookings/b1")],
    ["otherCoach", "delete a booking", (c) => deleteDoc(doc(c.firestore(), "bookings/b2"))],
    ["admin", "write a booking from a client", (c) => updateDoc(doc(c.firestore(), "bookings/b1"), { refundedCents: 6_000 })],
  ]);
});

describe("bookings/{id}/events and /ledger", () => {
  allowed([
    ["student", "read the audit trail of their booking", read("bookings/b1/events/e1")],
    ["otherStudent", "read the ledger of their booking", read("bookings/b2/ledger/pi_1")],
    ["coach", "read the ledger of a booking they coach", read("bookings/b1/ledger/pi_1")],
    ["otherCoach", "read the audit trail of a booking they coach", read("bookings/b2/events/e1")],
    ["admin", "read any ledger", read("bookings/b1/ledger/pi_1")],
  ]);
  denied([
    ["anonymous", "read an audit trail", read("bookings/b1/events/e1")],
    ["student", "read another booking's ledger", read("bookings/b2/ledger/pi_1")],
    ["student", "append to their audit trail", (c) => setDoc(doc(c.firestore(), "bookings/b1/events/e2"), { type: "forged" })],
    ["otherStudent", "read another booking's audit trail", read("bookings/b1/events/e1")],
    ["coach", "edit a ledger entry", (c) => updateDoc(doc(c.firestore(), "bookings/b1/ledger/pi_1"), { amountCents: 0 })],
    ["otherCoach", "read another coach's ledger", read("bookings/b1/ledger/pi_1")],
  ]);
});

describe("notifications", () => {
  const markRead = (path: string) => (c: RulesTestContext) => updateDoc(doc(c.firestore(), path), { readAt: Timestamp.now() });
  allowed([
    ["student", "read their notification", read("notifications/n-s1")],
    ["student", "mark their notification read", markRead("notifications/n-s1")],
    ["otherStudent", "read their notification", read("notifications/n-s2")],
    ["coach", "read their notification", read("notifications/n-c1")],
    ["otherCoach", "mark their notification read", markRead("notifications/n-c2")],
    [
      "student",
      "list their notifications",
      (c) => getDocs(query(collection(c.firestore(), "notifications"), where("recipientId", "==", "student-1"))),
    ],
  ]);
  denied([
    ["anonymous", "read a notification", read("notifications/n-s1")],
    ["student", "read someone else's notification", read("notifications/n-s2")],
    ["student", "rewrite their notification's text", (c) => updateDoc(doc(c.firestore(), "notifications/n-s1"), { title: "Refunded!" })],
    ["otherStudent", "mark someone else's notification read", markRead("notifications/n-s1")],
    ["coach", "create a notification", (c) => setDoc(doc(c.firestore(), "notifications/n-new"), { recipientId: "student-1", title: "x" })],
    ["otherCoach", "read another coach's notification", read("notifications/n-c1")],
    [
      "student",
      "mark their notification read with a string",
      (c) => updateDoc(doc(c.firestore(), "notifications/n-s1"), { readAt: "now" }),
    ],
    ["student", "mark their notification read with a number", (c) => updateDoc(doc(c.firestore(), "notifications/n-s1"), { readAt: 1 })],
    ["coach", "mark their notification read with null", (c) => updateDoc(doc(c.firestore(), "notifications/n-c1"), { readAt: null })],
  ]);
});

describe("server-only collections", () => {
  const roles: Role[] = ["anonymous", "student", "otherStudent", "coach", "otherCoach", "admin"];
  denied(roles.map((role): Case => [role, "read a coach's Cal.com credential", read("calcomCredentials/coach-1")]));
  denied(
    roles.map((role): Case => [
      role,
      "write a Cal.com credential",
      (c) => setDoc(doc(c.firestore(), "calcomCredentials/coach-1"), { apiKey: "x" }),
    ]),
  );
  denied(roles.map((role): Case => [role, "read the webhook ledger", read("webhookEvents/stripe_evt_1")]));
  denied(roles.map((role): Case => [role, "read a deleted-account marker", read("deletedUsers/student-1")]));
  denied(
    roles.map((role): Case => [
      role,
      "write a deleted-account marker",
      (c) => setDoc(doc(c.firestore(), "deletedUsers/student-1"), { deletedAt: Timestamp.now(), via: "self" }),
    ]),
  );
  allowed([["coach", "still read their own coach document (the credential lives apart)", read("coaches/coach-1")]]);
});

describe("notification preferences, devices and the email queue", () => {
  const token = (path: string, data: object) => (c: RulesTestContext) => setDoc(doc(c.firestore(), path), data);
  allowed([
    ["student", "read their preferences", read("notificationPreferences/student-1")],
    ["student", "read their device", read("users/student-1/pushTokens/phone")],
    ["student", "register a device", token("users/student-1/pushTokens/tablet", { token: "tablet:APA91b", platform: "ios" })],
    [
      "student",
      "register a device with its time",
      token("users/student-1/pushTokens/web", { token: "web:APA91b", updatedAt: Timestamp.now() }),
    ],
    ["student", "remove their device", (c) => deleteDoc(doc(c.firestore(), "users/student-1/pushTokens/phone"))],
  ]);
  denied([
    ["otherStudent", "read someone's preferences", read("notificationPreferences/student-1")],
    [
      "student",
      "write their preferences directly (only through the callable)",
      token("notificationPreferences/student-1", { channels: {} }),
    ],
    ["anonymous", "read a device", read("users/student-1/pushTokens/phone")],
    ["coach", "read a student's device", read("users/student-1/pushTokens/phone")],
    ["coach", "register a device for someone else", token("users/student-1/pushTokens/x", { token: "x:APA91b" })],
    ["student", "register a device without a token", token("users/student-1/pushTokens/x", { platform: "ios" })],
    ["student", "register a device with an empty token", token("users/student-1/pushTokens/x", { token: "" })],
    ["student", "register a device with a numeric token", token("users/student-1/pushTokens/x", { token: 7 })],
    ["student", "register a device of an unknown platform", token("users/student-1/pushTokens/x", { token: "x:A", platform: "tv" })],
    ["student", "register a device with a field of their own", token("users/student-1/pushTokens/x", { token: "x:A", admin: true })],
    ["student", "register a device under an over-long id", token(`users/student-1/pushTokens/${"i".repeat(201)}`, { token: "x:A" })],
    ["student", "register a device with an over-long token", token("users/student-1/pushTokens/x", { token: "x".repeat(4_097) })],
    ["student", "read their email in the queue", read("mail/n-s1")],
    ["student", "queue an email", token("mail/n-new", { to: ["victim@example.com"], message: { subject: "Hi", text: "spam" } })],
    ["student", "read their push record", read("pushDeliveries/n-s1_phone")],
    ["admin", "queue an email", token("mail/n-admin", { to: ["a@example.com"], message: { subject: "Hi", text: "x" } })],
  ]);
});
