import { coachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "./admin.js";
import { signUp } from "./auth.js";
import { callCallable } from "./call-callable.js";
import { waitFor } from "./wait-for.js";

export async function newUser(prefix: string) {
  return signUp(`${uniqueId(prefix)}@example.com`);
}

/** Calls a callable and returns its result, failing the test with the error otherwise. */
export async function ok<T>(name: string, data: unknown, token: string): Promise<T> {
  const res = await callCallable<T>(name, data, token);
  if (!res.ok) throw new Error(`${name} failed: ${res.error.status} ${res.error.message}`);
  return res.result;
}

export const PARIS_WEEK = {
  timeZone: "Europe/Paris",
  slots: [
    { day: "monday", startTime: "09:00", endTime: "12:00" },
    { day: "wednesday", startTime: "14:00", endTime: "16:00" },
  ],
};

/** A coach with availability synced and two offerings linked to their Cal.com event types (via the deployed trigger). */
export async function coachWithOfferings(week: unknown = PARIS_WEEK, connect?: { apiKey: string }) {
  const coach = await newUser("coach");
  if (connect) await ok("connectCalcomAccount", connect, coach.idToken);
  await ok("syncAvailability", { coachId: coach.uid, availability: week }, coach.idToken);
  await ok(
    "saveOffering",
    { offering: { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 6_000, currency: "eur" } },
    coach.idToken,
  );
  await ok(
    "saveOffering",
    { offering: { id: "thirty", title: "30 min", durationMinutes: 30, priceCents: 3_500, currency: "eur" } },
    coach.idToken,
  );
  const offerings = await waitFor(async () => {
    const data = (await coachDoc(coach.uid).get()).data();
    const linked = data?.customOfferings.filter((o) => o.calcomEventTypeId !== null) ?? [];
    return linked.length === 2 ? data?.customOfferings : undefined;
  }, "the offerings' event types");
  const eventTypeOf = (id: string) => offerings.find((o) => o.id === id)?.calcomEventTypeId ?? 0;
  return { coach, sixty: eventTypeOf("sixty"), thirty: eventTypeOf("thirty") };
}
