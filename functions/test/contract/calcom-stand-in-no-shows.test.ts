import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/domain/errors.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { CalcomBookingGateway } from "../../src/integrations/calcom/calcom-scheduling.gateway.js";
import { CalcomWebhookSchema } from "../../src/integrations/calcom/calcom.schemas.js";
import { verifyCalcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";

// Cal.com's mark-absent and its two attendance webhooks as the stand-in plays them (docs/calcom.md,
// "No-shows and the meeting link"): the refusals in Cal.com's order, what a mark changes, which
// deliveries follow, and MEETING_ENDED's flat body; then the gateway on top of it.

interface Received {
  signature: string | undefined;
  raw: string;
  body: Record<string, unknown> & { triggerEvent: string };
}

const SECRET = "whsec_no_shows";
const START = Date.parse("2030-01-07T09:00:00Z");
const MIN = 60_000;
let fake: FakeCalcom;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let clockMs = Date.now();

beforeAll(async () => {
  fake = await FakeCalcom.start();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      received.push({
        signature: req.headers["x-cal-signature-256"] as string | undefined,
        raw,
        body: JSON.parse(raw) as Received["body"],
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/calcom`;
});
afterAll(async () => {
  await fake.stop();
  await new Promise((r) => receiver.close(r));
});
afterEach(() => {
  expect(fake.violations).toEqual([]);
  fake.reset();
  received.length = 0;
});

/** An accepted booking on 2030-01-07 09:00-10:00 UTC, the stand-in's clock at `clockMs` (moved by the test). */
async function acceptedBooking() {
  clockMs = Date.now();
  fake.setClock(() => clockMs);
  const c = new CalcomClient({ baseUrl: fake.url, maxAttempts: 1 });
  const { apiKey, userId } = fake.addUser({ email: "coach@example.com" });
  const schedule = await calcomApi.createSchedule(c, apiKey, {
    name: "S",
    timeZone: "UTC",
    isDefault: true,
    availability: [{ days: ["Monday"], startTime: "09:00", endTime: "17:00" }],
  });
  const et = await calcomApi.createEventType(c, apiKey, {
    title: "T",
    slug: "t",
    lengthInMinutes: 60,
    scheduleId: schedule.id,
    confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true },
    hidden: true,
    bookingRequiresAuthentication: true,
  });
  const booking = await calcomApi.createBooking(c, apiKey, {
    start: "2030-01-07T09:00:00Z",
    eventTypeId: et.id,
    attendee: { name: "Stu", email: "stu@example.com", timeZone: "UTC" },
    metadata: { bookingId: "ours-1" },
  });
  await calcomApi.confirmBooking(c, apiKey, booking.uid);
  fake.subscribe(receiverUrl, SECRET);
  return { c, apiKey, userId, uid: booking.uid };
}

/** A raw mark-absent call (the client would retry a 500; these assert Cal.com's first answer). */
async function markAbsentRaw(apiKey: string, uid: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/bookings/${uid}/mark-absent`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "cal-api-version": "2024-08-13", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const errorMessage = (body: Record<string, unknown>) => (body.error as { message?: string } | undefined)?.message;

describe("the Cal.com stand-in's mark-absent", () => {
  it("refuses an unknown booking first (404), even before its start", async () => {
    const { apiKey } = await acceptedBooking();
    const out = await markAbsentRaw(apiKey, "no-such-uid", { host: true });
    expect(out.status).toBe(404);
    expect(errorMessage(out.body)).toBe("Booking with uid=no-such-uid not found.");
  });

  it("refuses a mark before the start (400, with both instants), and accepts it from the start on", async () => {
    const { apiKey, uid } = await acceptedBooking();
    clockMs = START - MIN;
    const early = await markAbsentRaw(apiKey, uid, { attendees: [{ email: "stu@example.com", absent: true }] });
    expect(early.status).toBe(400);
    expect(errorMessage(early.body)).toBe(
      `Bookings can only be marked as absent after their scheduled start time. Current time in UTC+0: ${new Date(START - MIN).toISOString()}, Booking start time in UTC+0: 2030-01-07T09:00:00.000Z`,
    );
    expect(fake.booking(uid)?.attendeeAbsent).toBe(false);
    clockMs = START;
    expect((await markAbsentRaw(apiKey, uid, { host: true })).status).toBe(200);
    expect(fake.booking(uid)?.absentHost).toBe(true);
  });

  it("answers a stranger's attendee mark with Nest's default 500, and changes nothing", async () => {
    const { uid } = await acceptedBooking();
    const stranger = fake.addUser({ email: "other@example.com" });
    clockMs = START + 5 * MIN;
    const out = await markAbsentRaw(stranger.apiKey, uid, { attendees: [{ email: "stu@example.com", absent: true }] });
    expect(out).toEqual({ status: 500, body: { statusCode: 500, message: "Failed to update no-show status" } });
    expect(fake.booking(uid)?.attendeeAbsent).toBe(false);
  });

  it("marks and unmarks the attendee, marks the host, and shows both in the booking", async () => {
    const { c, apiKey, uid } = await acceptedBooking();
    clockMs = START + 10 * MIN;
    const marked = await calcomApi.markAbsent(c, apiKey, uid, { host: true, attendees: [{ email: "stu@example.com", absent: true }] });
    expect(marked).toMatchObject({ absentHost: true, attendees: [{ email: "stu@example.com", absent: true }] });
    // Twice is fine.
    await calcomApi.markAbsent(c, apiKey, uid, { host: true, attendees: [{ email: "stu@example.com", absent: true }] });
    const unmarked = await calcomApi.markAbsent(c, apiKey, uid, { host: false, attendees: [{ email: "stu@example.com", absent: false }] });
    // host:false is a no-op on hosted Cal.com: we rely only on setting it.
    expect(unmarked).toMatchObject({ absentHost: true, attendees: [{ email: "stu@example.com", absent: false }] });
    expect(await calcomApi.getBooking(c, apiKey, uid)).toMatchObject({ absentHost: true, attendees: [{ absent: false }] });
  });

  it("skips an email not on the booking, takes an empty body, and checks no state (a cancelled booking)", async () => {
    const { c, apiKey, uid } = await acceptedBooking();
    clockMs = START + MIN;
    await calcomApi.markAbsent(c, apiKey, uid, { host: false, attendees: [{ email: "nobody@example.com", absent: true }] });
    expect(fake.booking(uid)).toMatchObject({ attendeeAbsent: false, absentHost: false });
    expect((await markAbsentRaw(apiKey, uid, {})).status).toBe(200);
    clockMs = START - 60 * MIN;
    await calcomApi.cancelBooking(c, apiKey, uid, "Coach is ill");
    clockMs = START + MIN;
    expect((await markAbsentRaw(apiKey, uid, { attendees: [{ email: "stu@example.com", absent: true }] })).status).toBe(200);
    expect(fake.booking(uid)?.attendeeAbsent).toBe(true);
  });

  it("refuses an empty attendees list as a request that breaks Cal.com's description (400)", async () => {
    const { apiKey, uid } = await acceptedBooking();
    clockMs = START + MIN;
    expect((await markAbsentRaw(apiKey, uid, { attendees: [] })).status).toBe(400);
    expect(fake.violations).toHaveLength(1);
    fake.violations.length = 0;
  });

  it("sends BOOKING_NO_SHOW_UPDATED, signed, only when the body named attendees", async () => {
    const { c, apiKey, uid } = await acceptedBooking();
    await fake.flushWebhooks();
    received.length = 0;
    clockMs = START + MIN;
    await markAbsentRaw(apiKey, uid, { host: true });
    await markAbsentRaw(apiKey, uid, {});
    await fake.flushWebhooks();
    expect(received).toEqual([]);
    await calcomApi.markAbsent(c, apiKey, uid, { host: false, attendees: [{ email: "stu@example.com", absent: true }] });
    await fake.flushWebhooks();
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(verifyCalcomSignature(hook?.raw ?? "", hook?.signature, SECRET)).toBe(true);
    expect(hook?.body).toEqual({
      triggerEvent: "BOOKING_NO_SHOW_UPDATED",
      createdAt: new Date(START + MIN).toISOString(),
      payload: {
        message: "stu@example.com marked as no-show",
        attendees: [{ email: "stu@example.com", noShow: true }],
        bookingUid: uid,
        bookingId: fake.booking(uid)?.id,
      },
    });
    // Our parser reads it with the booking's uid where the other events have it.
    expect(CalcomWebhookSchema.parse(hook?.body).payload).toMatchObject({ uid, attendees: [{ email: "stu@example.com", noShow: true }] });
  });
});

describe("the Cal.com stand-in's MEETING_ENDED", () => {
  it("is sent once per accepted booking whose end has passed, flat and signed", async () => {
    const { uid } = await acceptedBooking();
    await fake.flushWebhooks();
    received.length = 0;
    clockMs = START + 59 * MIN;
    expect(fake.endMeetings()).toEqual([]);
    clockMs = START + 61 * MIN;
    expect(fake.endMeetings()).toEqual([uid]);
    expect(fake.endMeetings()).toEqual([]);
    await fake.flushWebhooks();
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(verifyCalcomSignature(hook?.raw ?? "", hook?.signature, SECRET)).toBe(true);
    expect(hook?.body).not.toHaveProperty("payload");
    expect(hook?.body).toMatchObject({
      triggerEvent: "MEETING_ENDED",
      id: fake.booking(uid)?.id,
      uid,
      startTime: "2030-01-07T09:00:00.000Z",
      endTime: "2030-01-07T10:00:00.000Z",
      status: "ACCEPTED",
      location: `https://meet.example/${uid}`,
    });
    expect(CalcomWebhookSchema.parse(hook?.body).payload).toMatchObject({ uid, endTime: "2030-01-07T10:00:00.000Z" });
  });

  it("is not sent for a cancelled booking, the old booking of a move, or a job overdue by more than a day", async () => {
    const { c, apiKey, uid } = await acceptedBooking();
    const moved = await calcomApi.rescheduleBooking(c, apiKey, uid, { start: "2030-01-14T09:00:00Z", rescheduledBy: "coach@example.com" });
    await fake.flushWebhooks();
    received.length = 0;
    clockMs = Date.parse("2030-01-07T12:00:00Z");
    expect(fake.endMeetings()).toEqual([]);
    clockMs = Date.parse("2030-01-15T11:00:00Z");
    expect(fake.endMeetings()).toEqual([]);
    await fake.flushWebhooks();
    expect(received).toEqual([]);
    expect(fake.booking(moved.uid)?.status).toBe("accepted");
  });
});

describe("the booking gateway on mark-absent", () => {
  const account = (apiKey: string, userId: number) => ({ mode: "connected" as const, apiKey, calcomUserId: userId });

  it("marks the host and the booking's attendee as asked, and reads the session's link", async () => {
    const { c, apiKey, userId, uid } = await acceptedBooking();
    const gateway = new CalcomBookingGateway(c);
    clockMs = START + 5 * MIN;
    await gateway.markAbsent(account(apiKey, userId), uid, { hostAbsent: false, attendeeAbsent: true });
    expect(fake.booking(uid)).toMatchObject({ absentHost: false, attendeeAbsent: true });
    await gateway.markAbsent(account(apiKey, userId), uid, { hostAbsent: true, attendeeAbsent: false });
    expect(fake.booking(uid)).toMatchObject({ absentHost: true, attendeeAbsent: false });
    const sent = fake.callsTo("markAbsent").map((r) => r.body);
    expect(sent).toEqual([
      { host: false, attendees: [{ email: "stu@example.com", absent: true }] },
      { host: true, attendees: [{ email: "stu@example.com", absent: false }] },
    ]);
    expect((await gateway.getBooking(account(apiKey, userId), uid)).meetingUrl).toBe(`https://meet.example/${uid}`);
  });

  it("maps Cal.com's refusals to AppErrors: not started, and an unknown booking", async () => {
    const { c, apiKey, userId, uid } = await acceptedBooking();
    const gateway = new CalcomBookingGateway(c);
    clockMs = START - MIN;
    await expect(gateway.markAbsent(account(apiKey, userId), uid, { hostAbsent: true, attendeeAbsent: false })).rejects.toMatchObject({
      code: "upstream/rejected",
    });
    const missing = await gateway
      .markAbsent(account(apiKey, userId), "gone", { hostAbsent: true, attendeeAbsent: false })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AppError);
    expect(missing).toMatchObject({ code: "calcom/not-found" });
  });
});
