import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFcmPushSender } from "../../src/integrations/push/fcm-push.sender.js";
import type { PushSender } from "../../src/ports/push.port.js";
import { FakeFcm } from "../stand-ins/fake-fcm.server.js";

// The real firebase-admin messaging code (request, retries, error mapping) against the FCM
// stand-in, through the same loopback redirect the emulator uses.

let fcm: FakeFcm;
let sender: PushSender;
const message = { title: "Session confirmed", body: "Tue 10 Dec, 09:00 with Ada", data: { bookingId: "b-1", kind: "confirmed" } };

beforeAll(async () => {
  fcm = await FakeFcm.start();
  sender = createFcmPushSender({ projectId: "demo-push", apiUrl: fcm.url });
});
afterAll(async () => {
  await fcm.stop();
});
afterEach(() => {
  fcm.reset();
});

describe("the FCM push sender against the FCM stand-in", () => {
  it("sends the token, the notification and the data, and returns FCM's message name", async () => {
    const token = FakeFcm.token("device-a");
    const outcome = await sender.send(token, message);
    expect(outcome).toEqual({ kind: "sent", messageId: expect.stringMatching(/^projects\/demo-push\/messages\/[0-9a-f]+$/) as unknown });
    expect(fcm.sent).toHaveLength(1);
    expect(fcm.sent[0]).toMatchObject({
      projectId: "demo-push",
      token,
      message: { token, notification: { title: message.title, body: message.body }, data: message.data },
    });
  });

  it("reports a token FCM no longer knows as unregistered", async () => {
    const token = FakeFcm.token("device-gone");
    fcm.unregister(token);
    expect(await sender.send(token, message)).toEqual({ kind: "unregistered" });
    expect(fcm.sent).toHaveLength(0);
  });

  it("reports a malformed token as invalid, with FCM's reason", async () => {
    const outcome = await sender.send("not-a-token", message);
    expect(outcome).toEqual({ kind: "invalid", reason: expect.stringMatching(/registration token/) as unknown });
    expect(fcm.sent).toHaveLength(0);
  });

  it("throws when FCM fails with 500, so the delivery is tried again", async () => {
    fcm.failNext(500);
    await expect(sender.send(FakeFcm.token("device-b"), message)).rejects.toMatchObject({ code: "messaging/internal-error" });
    expect(fcm.sent).toHaveLength(0);
  });

  it("lets the SDK retry one 503 at once, then sends", async () => {
    fcm.failNext(503);
    expect(await sender.send(FakeFcm.token("device-c"), message)).toMatchObject({ kind: "sent" });
    expect(fcm.requests).toBe(2);
    expect(fcm.sent).toHaveLength(1);
  });

  it("throws, rather than prune the token, when FCM refuses the message and not the token", async () => {
    fcm.failNext(400);
    await expect(sender.send(FakeFcm.token("device-d"), message)).rejects.toMatchObject({
      code: "messaging/invalid-argument",
      message: "Request contains an invalid argument.",
    });
  });
});

describe("the FCM stand-in's refusals", () => {
  const post = (body: unknown, headers: Record<string, string> = { authorization: "Bearer owner" }) =>
    fetch(`${fcm.url}/v1/projects/demo-push/messages:send`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("answers 401 without a Bearer token", async () => {
    const res = await post({ message: { token: FakeFcm.token("x") } }, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { status: "UNAUTHENTICATED" } });
  });

  it("answers 400 INVALID_ARGUMENT for a body without exactly one target, or with non-string data", async () => {
    for (const body of [
      "{",
      { notMessage: {} },
      { message: { notification: { title: "t" } } },
      { message: { token: FakeFcm.token("x"), topic: "news" } },
      { message: { token: FakeFcm.token("x"), data: { n: 1 } } },
    ]) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
    }
    expect(fcm.sent).toHaveLength(0);
  });

  it("answers a malformed token with FCM's FcmError INVALID_ARGUMENT and an unregistered one with 404 UNREGISTERED", async () => {
    const malformed = await post({ message: { token: "abc" } });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: {
        code: 400,
        status: "INVALID_ARGUMENT",
        message: "The registration token is not a valid FCM registration token",
        details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "INVALID_ARGUMENT" }],
      },
    });
    const dead = FakeFcm.token("dead");
    fcm.unregister(dead);
    const gone = await post({ message: { token: dead } });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({
      error: { code: 404, status: "NOT_FOUND", details: [{ errorCode: "UNREGISTERED" }] },
    });
  });
});
