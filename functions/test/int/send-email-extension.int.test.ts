import { Timestamp, type DocumentData, type DocumentReference } from "firebase-admin/firestore";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { waitFor } from "../helpers/wait-for.js";
import { SendEmailExtension } from "../stand-ins/send-email-extension.js";
import { SmtpCatcher } from "../stand-ins/smtp-catcher.js";

// The Trigger Email extension's stand-in against the Firestore emulator: the `delivery` states of
// firestore-send-email 0.2.8, its at-most-once claim, its refusals, and a client's RETRY.

let catcher: SmtpCatcher;
let extension: SendEmailExtension;
const FROM = "Coachify <no-reply@coachify.test>";

beforeAll(async () => {
  initAdminFor("demo-coachify-int");
  catcher = await SmtpCatcher.start();
  extension = await SendEmailExtension.start({ db: getDb(), smtpUrl: catcher.smtpUrl, defaultFrom: FROM });
});
afterAll(async () => {
  await extension.stop();
  await catcher.stop();
});
afterEach(() => {
  catcher.reset();
});

const mailRef = (id = uniqueId("mail")) => getDb().doc(`mail/${id}`);

function invite(to: string): DocumentData {
  return {
    to: [to],
    message: {
      subject: "Session confirmed",
      text: "See you on Thursday.",
      html: "<p>See you on Thursday.</p>",
      attachments: [
        {
          filename: "invite.ics",
          content: Buffer.from("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n").toString("base64"),
          encoding: "base64",
          contentType: "text/calendar; charset=utf-8; method=REQUEST",
          ignoredKey: "dropped, as the extension drops it",
        },
      ],
    },
    headers: { "X-Coachify-Notification": "n-42" },
  };
}

async function deliveryOnceIn(ref: DocumentReference, states: string[]): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const delivery = (await ref.get()).get("delivery") as Record<string, unknown> | undefined;
      return delivery && states.includes(String(delivery.state)) ? delivery : undefined;
    },
    `delivery state ${states.join("|")} of ${ref.path}`,
  );
}

describe("the Trigger Email stand-in", () => {
  it("walks a new document through PENDING and PROCESSING (with a 60 s lease) to SUCCESS, and sends it once", async () => {
    catcher.hold();
    const ref = mailRef();
    const before = Date.now();
    await ref.create(invite("student@example.com"));
    // The SMTP server holds its answer: the document waits in PROCESSING under its lease.
    const processing = await deliveryOnceIn(ref, ["PROCESSING"]);
    expect(processing).toMatchObject({ state: "PROCESSING", attempts: 0, error: null });
    expect(processing.startTime).toBeInstanceOf(Timestamp);
    const lease = (processing.leaseExpireTime as Timestamp).toMillis();
    expect(lease).toBeGreaterThanOrEqual(before + 60_000);
    expect(lease).toBeLessThanOrEqual(Date.now() + 60_000);
    catcher.release();

    const done = await deliveryOnceIn(ref, ["SUCCESS", "ERROR"]);
    expect(done).toMatchObject({
      state: "SUCCESS",
      attempts: 1,
      error: null,
      leaseExpireTime: null,
      info: { accepted: ["student@example.com"], rejected: [], pending: [] },
    });
    expect(done.endTime).toBeInstanceOf(Timestamp);
    expect((done.info as { response: string }).response).toMatch(/^250 /);
    expect(catcher.messages).toHaveLength(1);
    expect(catcher.messages[0]).toMatchObject({
      envelopeFrom: "no-reply@coachify.test",
      to: ["student@example.com"],
      subject: "Session confirmed",
      headers: { "x-coachify-notification": "n-42" },
      attachments: [{ filename: "invite.ics", method: "REQUEST", content: "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n" }],
    });
    expect((done.info as { messageId: string }).messageId).toBe(catcher.messages[0]?.headers["message-id"]);
  });

  it("sends a document once when two instances watch the same collection", async () => {
    const second = await SendEmailExtension.start({ db: getDb(), smtpUrl: catcher.smtpUrl, defaultFrom: FROM });
    const refs = [mailRef(), mailRef(), mailRef()];
    try {
      await Promise.all(refs.map((ref, n) => ref.create(invite(`twice-${n}@example.com`))));
      for (const ref of refs) expect(await deliveryOnceIn(ref, ["SUCCESS", "ERROR"])).toMatchObject({ state: "SUCCESS", attempts: 1 });
    } finally {
      await second.stop();
    }
    // Every write either instance saw has been handled by now (stop waits for its work).
    expect(catcher.messages.map((m) => m.to[0]).sort()).toEqual(["twice-0@example.com", "twice-1@example.com", "twice-2@example.com"]);
  });

  it("records ERROR with the extension's message for an invalid document, and sends nothing", async () => {
    const cases: [DocumentData, string][] = [
      [{ to: "a@example.com", message: { subject: "No body" } }, "At least one of 'text' or 'html' must be provided in message"],
      [{ message: { subject: "Nobody", text: "hi" } }, "Email must have at least one recipient"],
      [{ toUids: ["uid-1"], message: { subject: "By uid", text: "hi" } }, "Error: Must specify a users collection to send using uids."],
      [{ to: "a@example.com", message: { subject: 42, text: "hi" } }, "Field 'message.subject' must be a string"],
    ];
    const refs = cases.map(() => mailRef());
    await Promise.all(refs.map((ref, n) => ref.create(cases[n]?.[0] ?? {})));
    for (const [n, ref] of refs.entries()) {
      const delivery = await deliveryOnceIn(ref, ["SUCCESS", "ERROR"]);
      expect(delivery).toMatchObject({ state: "ERROR", attempts: 1, leaseExpireTime: null });
      expect(delivery.error).toContain(cases[n]?.[1]);
    }
    expect(catcher.messages).toHaveLength(0);
  });

  it("sends again when a client sets delivery.state to RETRY", async () => {
    const ref = mailRef();
    await ref.create({ to: "retry@example.com", message: { subject: "Moved" } });
    expect(await deliveryOnceIn(ref, ["SUCCESS", "ERROR"])).toMatchObject({ state: "ERROR", attempts: 1 });
    await ref.update({ "message.text": "Your session moved.", "delivery.state": "RETRY" });
    const done = await deliveryOnceIn(ref, ["SUCCESS"]);
    expect(done).toMatchObject({ state: "SUCCESS", attempts: 2, error: null, info: { accepted: ["retry@example.com"] } });
    expect(catcher.messages.map((m) => [m.to, m.text.trim()])).toEqual([[["retry@example.com"], "Your session moved."]]);
  });

  it("ends a document whose processing lease has expired in ERROR, without sending it", async () => {
    const ref = mailRef();
    await ref.create({
      ...invite("late@example.com"),
      delivery: { state: "PROCESSING", attempts: 0, error: null, leaseExpireTime: Timestamp.fromMillis(Date.now() - 1_000) },
    });
    expect(await deliveryOnceIn(ref, ["ERROR"])).toMatchObject({ state: "ERROR", error: "Message processing lease expired." });
    expect(catcher.messages).toHaveLength(0);
  });
});
