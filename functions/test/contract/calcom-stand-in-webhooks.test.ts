import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { verifyCalcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";

// The stand-in's webhooks behave as Cal.com's do (docs/calcom.md, "What Cal.com does" and "The
// Cal.com webhook"), so that our endpoint's tests meet the real shapes: signed, uppercase statuses,
// confirmation as BOOKING_CREATED, and faults (dropped, duplicated, reordered) on request.

interface Received {
  signature: string | undefined;
  version: string | undefined;
  raw: string;
  body: { triggerEvent: string; payload: Record<string, unknown> };
}

let fake: FakeCalcom;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const SECRET = "whsec_calcom_test";

beforeAll(async () => {
  fake = await FakeCalcom.start();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      received.push({
        signature: req.headers["x-cal-signature-256"] as string | undefined,
        version: req.headers["x-cal-webhook-version"] as string | undefined,
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

async function pendingBooking(secret: string | null = SECRET) {
  const c = new CalcomClient({ baseUrl: fake.url });
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
  fake.subscribe(receiverUrl, secret);
  const booking = await calcomApi.createBooking(c, apiKey, {
    start: "2030-01-07T09:00:00Z",
    eventTypeId: et.id,
    attendee: { name: "Stu", email: "stu@example.com", timeZone: "UTC" },
    metadata: { bookingId: "ours-1" },
  });
  await fake.flushWebhooks();
  return { c, apiKey, userId, booking };
}

describe("the Cal.com stand-in's webhooks", () => {
  it("sends a signed BOOKING_REQUESTED with our metadata, then BOOKING_CREATED without it on confirm", async () => {
    const { c, apiKey, booking } = await pendingBooking();
    await calcomApi.confirmBooking(c, apiKey, booking.uid);
    await fake.flushWebhooks();
    expect(received.map((r) => [r.body.triggerEvent, r.body.payload.status, r.body.payload.uid])).toEqual([
      ["BOOKING_REQUESTED", "PENDING", booking.uid],
      ["BOOKING_CREATED", "ACCEPTED", booking.uid],
    ]);
    expect(received[0]?.body.payload.metadata).toEqual({ bookingId: "ours-1" });
    expect(received[1]?.body.payload.metadata).toEqual({});
    for (const r of received) {
      expect(r.version).toBe("2021-10-20");
      expect(verifyCalcomSignature(r.raw, r.signature, SECRET)).toBe(true);
    }
  });

  it("sends BOOKING_RESCHEDULED with the new uid and the old one as rescheduleUid, and no BOOKING_CANCELLED", async () => {
    const { c, apiKey, booking } = await pendingBooking();
    await calcomApi.confirmBooking(c, apiKey, booking.uid);
    const moved = await calcomApi.rescheduleBooking(c, apiKey, booking.uid, {
      start: "2030-01-14T09:00:00Z",
      rescheduledBy: "coach@example.com",
    });
    await fake.flushWebhooks();
    const last = received.at(-1)?.body;
    expect(last?.triggerEvent).toBe("BOOKING_RESCHEDULED");
    expect(last?.payload).toMatchObject({ uid: moved.uid, rescheduleUid: booking.uid, status: "ACCEPTED" });
    expect(received.some((r) => r.body.triggerEvent === "BOOKING_CANCELLED")).toBe(false);
  });

  it("sends BOOKING_CANCELLED with the reason and who cancelled", async () => {
    const first = await pendingBooking();
    await calcomApi.cancelBooking(first.c, first.apiKey, first.booking.uid, "Coach is ill");
    await fake.flushWebhooks();
    expect(received.at(-1)?.body).toMatchObject({
      triggerEvent: "BOOKING_CANCELLED",
      payload: { status: "CANCELLED", cancellationReason: "Coach is ill", cancelledBy: "coach@example.com" },
    });
  });

  it("signs with no-secret-provided when the subscription has no secret", async () => {
    await pendingBooking(null);
    expect(received[0]?.signature).toBe("no-secret-provided");
  });

  it("drops, duplicates and reorders on request", async () => {
    fake.dropNextWebhooks(1);
    const { c, apiKey, booking } = await pendingBooking();
    expect(received).toHaveLength(0);

    fake.duplicateNextWebhooks(1);
    await calcomApi.confirmBooking(c, apiKey, booking.uid);
    await fake.flushWebhooks();
    expect(received.map((r) => r.body.triggerEvent)).toEqual(["BOOKING_CREATED", "BOOKING_CREATED"]);

    received.length = 0;
    fake.holdWebhooks();
    const moved = await calcomApi.rescheduleBooking(c, apiKey, booking.uid, {
      start: "2030-01-14T09:00:00Z",
      rescheduledBy: "coach@example.com",
    });
    await calcomApi.cancelBooking(c, apiKey, moved.uid, "Changed plans");
    expect(received).toHaveLength(0);
    await fake.releaseWebhooks({ reverse: true });
    expect(received.map((r) => r.body.triggerEvent)).toEqual(["BOOKING_CANCELLED", "BOOKING_RESCHEDULED"]);
  });
});
