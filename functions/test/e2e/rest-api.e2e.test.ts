import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AvailableSlotsOut } from "../../src/features/availability/availability.schemas.js";
import { initAdminFor } from "../helpers/admin.js";
import { callCallable } from "../helpers/call-callable.js";
import { PARIS_WEEK, coachWithOfferings, newUser, ok } from "../helpers/scenario.js";
import { startLocalStandIns, type LocalStandIns } from "../helpers/e2e-stand-ins.js";
import type { FakeCalcom } from "../stand-ins/fake-calcom.server.js";

// The brief's REST paths, through the Hosting emulator's rewrite of /api/** to the `api` function.
const BASE = "http://127.0.0.1:5000";
let calcom: FakeCalcom;
let standIns: LocalStandIns;

beforeAll(async () => {
  initAdminFor(process.env.GCLOUD_PROJECT ?? "demo-coachify");
  ({ calcom } = standIns = await startLocalStandIns());
});
afterAll(async () => {
  await standIns.stop();
  expect(calcom.violations).toEqual([]);
});

interface Wire<T> {
  status: number;
  body: { result?: T; error?: { status: string; message: string } };
}

async function rest<T>(method: "GET" | "POST", path: string, data: Record<string, unknown>, idToken?: string): Promise<Wire<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (idToken) headers.authorization = `Bearer ${idToken}`;
  const url =
    method === "GET"
      ? `${BASE}${path}?${new URLSearchParams(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]))).toString()}`
      : `${BASE}${path}`;
  const res = await fetch(url, { method, headers, ...(method === "POST" ? { body: JSON.stringify(data) } : {}) });
  return { status: res.status, body: (await res.json()) as Wire<T>["body"] };
}

describe("the REST API (/api/calcom/*) through the Hosting rewrite", () => {
  it.each([
    ["POST", "/api/calcom/sync-availability"],
    ["GET", "/api/calcom/available-slots"],
    ["POST", "/api/calcom/create-booking"],
    ["POST", "/api/calcom/confirm-booking"],
    ["POST", "/api/calcom/cancel-booking"],
    ["POST", "/api/calcom/reschedule-booking"],
  ] as const)("%s %s answers 401 without a token", async (method, path) => {
    const res = await rest(method, path, {});
    expect(res.status).toBe(401);
    expect(res.body.error?.status).toBe("UNAUTHENTICATED");
  });

  it("answers like the callables for sync, slots, booking, confirmation and cancellation", async () => {
    const coach = await newUser("coach");
    const synced = await rest<{ provisioned: boolean; mode: string }>(
      "POST",
      "/api/calcom/sync-availability",
      { coachId: coach.uid, availability: PARIS_WEEK },
      coach.idToken,
    );
    expect(synced.status).toBe(200);
    expect(synced.body.result).toMatchObject({ provisioned: true, mode: "organization" });

    const { coach: c2, sixty } = await coachWithOfferings();
    const student = await newUser("student");
    const query = { coachId: c2.uid, eventTypeId: sixty, dateFrom: "2030-01-07", dateTo: "2030-01-07" };
    const viaRest = await rest<AvailableSlotsOut>("GET", "/api/calcom/available-slots", query, student.idToken);
    const viaCallable = await ok<AvailableSlotsOut>("getAvailableSlots", query, student.idToken);
    expect(viaRest.status).toBe(200);
    // Same answer; the second may come from the shared slot cache.
    expect({ ...viaRest.body.result, source: null, ageSeconds: null }).toEqual({ ...viaCallable, source: null, ageSeconds: null });

    const created = await rest<{ bookingId: string; checkoutUrl: string }>(
      "POST",
      "/api/calcom/create-booking",
      {
        coachId: c2.uid,
        eventTypeId: sixty,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-01-07T08:00:00.000Z",
        endTime: "2030-01-07T09:00:00.000Z",
      },
      student.idToken,
    );
    expect(created.status).toBe(200);
    const bookingId = created.body.result?.bookingId ?? "";
    expect(created.body.result?.checkoutUrl).toContain("checkout.stripe.com");

    const taken = await rest(
      "POST",
      "/api/calcom/create-booking",
      {
        coachId: c2.uid,
        eventTypeId: sixty,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-01-07T08:00:00.000Z",
        endTime: "2030-01-07T09:00:00.000Z",
      },
      student.idToken,
    );
    const takenCallable = await callCallable(
      "createBooking",
      {
        coachId: c2.uid,
        eventTypeId: sixty,
        offeringId: "sixty",
        userId: student.uid,
        startTime: "2030-01-07T08:00:00.000Z",
        endTime: "2030-01-07T09:00:00.000Z",
      },
      student.idToken,
    );
    expect(taken.status).toBe(409);
    expect(takenCallable.ok ? null : takenCallable.error.status).toBe(taken.body.error?.status);

    const confirmByStudent = await rest("POST", "/api/calcom/confirm-booking", { bookingId, calcomBookingId: 1 }, student.idToken);
    expect(confirmByStudent.status).toBe(403);

    // An unpaid hold cannot be moved: the same refusal through both doors.
    const move = { bookingId, newStartTime: "2030-01-07T10:00:00.000Z", newEndTime: "2030-01-07T11:00:00.000Z" };
    const movedViaRest = await rest("POST", "/api/calcom/reschedule-booking", move, student.idToken);
    const movedViaCallable = await callCallable("rescheduleBooking", move, student.idToken);
    expect(movedViaRest.status).toBe(400);
    expect(movedViaRest.body.error?.status).toBe("FAILED_PRECONDITION");
    expect(movedViaCallable.ok ? null : movedViaCallable.error).toMatchObject({
      status: "FAILED_PRECONDITION",
      message: movedViaRest.body.error?.message,
    });

    const cancelled = await rest<{ refundCents: number; tier: string }>(
      "POST",
      "/api/calcom/cancel-booking",
      { bookingId, reason: "Changed plans" },
      student.idToken,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.result).toMatchObject({ refundCents: 0, tier: "unpaid-hold" });
  });

  it("serves the Cal.com webhook at /api/webhooks/calcom, refusing a bad signature", async () => {
    const res = await fetch(`${BASE}/api/webhooks/calcom`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-cal-signature-256": "0".repeat(64) },
      body: JSON.stringify({ triggerEvent: "BOOKING_CANCELLED", createdAt: "2030-01-01T00:00:00Z", payload: { uid: "x" } }),
    });
    expect(res.status).toBe(401);
  });
});
