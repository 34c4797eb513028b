import { describe, expect, it } from "vitest";
import { recordAbsenceMark } from "../../src/core/effects/attendance.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { reconcileBooking } from "../../src/features/reconciliation/reconciliation.service.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { bookingEventsCollection, notificationsCollection } from "../../src/shared/firestore.js";
import { confirmedBooking, storedBooking, useStandIns } from "../helpers/in-process.js";

// Cal.com's side of no-shows in-process: the coach's mark in Cal.com (BOOKING_NO_SHOW_UPDATED)
// does what our own mark does, once; our marks reach Cal.com through the calcomWrites queue (and
// reconciliation when the queue gave up); MEETING_ENDED is recorded once. Deliveries are the
// stand-in's own signed bodies, held and handed to the webhook handler by the test.

const standIns = useStandIns();
const SECRET = "calcom_test_secret";
const START = Date.parse("2030-01-07T09:00:00.000Z");
const MIN = 60_000;

async function session() {
  const s = await confirmedBooking(standIns);
  standIns.calcom.setClock(() => s.clock.now.getTime());
  standIns.calcom.subscribe("http://127.0.0.1:9/unused", SECRET);
  standIns.calcom.holdWebhooks();
  const client = new CalcomClient({ baseUrl: standIns.calcom.url, maxAttempts: 1 });
  const studentEmail = `${s.studentId}@example.com`;
  /** The coach marks the student absent (or not) in Cal.com, with the organization's key (the booking's owner there). */
  const coachMarksInCalcom = (absent: boolean) =>
    calcomApi.markAbsent(client, standIns.calcom.orgAdminKey, s.calcomUid, { host: false, attendees: [{ email: studentEmail, absent }] });
  return { ...s, coachMarksInCalcom };
}

/** Posts a held delivery to our webhook as Cal.com signs it; returns what we answered. */
async function deliver(rawBody: string, deps: Dependencies) {
  const out = await handleCalcomWebhook(
    {
      method: "POST",
      rawBody: Buffer.from(rawBody),
      header: (n: string) => (n.toLowerCase() === "x-cal-signature-256" ? calcomSignature(rawBody, SECRET) : undefined),
    } as never,
    deps,
  );
  return out;
}

function held(trigger: string): string[] {
  return standIns.calcom
    .takeHeldWebhooks()
    .filter((w) => w.triggerEvent === trigger)
    .map((w) => w.rawBody);
}

async function auditTypes(bookingId: string): Promise<string[]> {
  return (await bookingEventsCollection(bookingId).get()).docs.map((d) => String(d.get("type")));
}

async function notificationKinds(bookingId: string, recipientId: string): Promise<string[]> {
  const snap = await notificationsCollection().where("bookingId", "==", bookingId).where("recipientId", "==", recipientId).get();
  return snap.docs.map((d) => String(d.get("kind")));
}

describe("Cal.com's BOOKING_NO_SHOW_UPDATED", () => {
  it("records the coach's mark as our own mark does, once, and its echo of our mirror changes nothing", async () => {
    const s = await session();
    s.clock.now = new Date(START + 10 * MIN);
    await s.coachMarksInCalcom(true);
    const [delivery] = held("BOOKING_NO_SHOW_UPDATED");
    // The delivery arrives a moment later (Cal.com names a delivery by its send time).
    s.clock.now = new Date(START + 10 * MIN + 1_000);
    expect((await deliver(delivery ?? "", s.deps)).body.outcome).toBe("processed");
    // Delivered twice: the second is the same delivery.
    expect((await deliver(delivery ?? "", s.deps)).body.outcome).toBe("duplicate");

    const booking = await storedBooking(s.bookingId);
    expect(booking.status).toBe("confirmed");
    expect(booking.attendance).toMatchObject({
      coachMark: { absent: "student", via: "calcom" },
      studentMark: null,
      revision: 1,
      // Our mark went back to Cal.com (the same state: repeating it is harmless).
      mirroredRevision: 1,
    });
    expect((await auditTypes(s.bookingId)).filter((t) => t === "absence-marked")).toHaveLength(1);
    expect((await notificationKinds(s.bookingId, s.studentId)).filter((k) => k.startsWith("absence-mark"))).toEqual(["absence-mark-1"]);

    // Our mirror is itself an attendee mark: Cal.com tells us again, which is a repeated mark.
    const [echo] = held("BOOKING_NO_SHOW_UPDATED");
    expect(echo).toBeDefined();
    expect((await deliver(echo ?? "", s.deps)).body.outcome).toBe("echo");
    expect((await storedBooking(s.bookingId)).attendance?.revision).toBe(1);
    expect((await auditTypes(s.bookingId)).filter((t) => t === "absence-marked")).toHaveLength(1);
  });

  it("keeps an unmark, and a mark our rules refuse (past the reporting window), in the audit trail only, answering 200", async () => {
    const s = await session();
    // A day after the end plus the grace period: Cal.com still takes marks, our rules no longer do.
    s.clock.now = new Date(START + 60 * MIN + (s.deps.config.completionGraceHours + 1) * 60 * MIN);
    await s.coachMarksInCalcom(true);
    const [late] = held("BOOKING_NO_SHOW_UPDATED");
    const out = await deliver(late ?? "", s.deps);
    expect(out).toMatchObject({ status: 200, body: { outcome: "ignored" } });
    s.clock.now = new Date(s.clock.now.getTime() + MIN);
    await s.coachMarksInCalcom(false);
    const [unmark] = held("BOOKING_NO_SHOW_UPDATED");
    expect(await deliver(unmark ?? "", s.deps)).toMatchObject({ status: 200, body: { outcome: "ignored" } });

    const booking = await storedBooking(s.bookingId);
    expect(booking.attendance?.coachMark ?? null).toBeNull();
    const entries = (await bookingEventsCollection(s.bookingId).get()).docs
      .filter((d) => d.get("type") === "calcom-no-show-not-applied")
      .map((d) => [String(d.get("reason")), (d.get("code") as string | undefined) ?? null]);
    expect(entries).toEqual([
      ["refused", "booking/already-settled"],
      ["unmarked-in-calcom", null],
    ]);
  });
});

describe("our no-show marks in Cal.com", () => {
  it("mirrors a student's report to mark-absent (the host absent), once per revision", async () => {
    const s = await session();
    s.clock.now = new Date(START + 15 * MIN);
    await recordAbsenceMark(s.bookingId, { by: "student", absent: "coach", via: "app" }, s.deps);
    expect(standIns.calcom.booking(s.calcomUid)).toMatchObject({ absentHost: true, attendeeAbsent: false });
    expect((await storedBooking(s.bookingId)).attendance).toMatchObject({ revision: 1, mirroredRevision: 1 });
    // A later trigger delivery finds nothing left to send.
    await runBookingEffects(s.bookingId, s.deps);
    expect(standIns.calcom.callsTo("markAbsent")).toHaveLength(1);
    const [call] = standIns.calcom.callsTo("markAbsent");
    expect(call?.body).toEqual({ host: true, attendees: [{ email: `${s.studentId}@example.com`, absent: false }] });
  });

  it("is left to reconciliation once its automatic attempts fail, which sends it", async () => {
    const s = await session();
    s.clock.now = new Date(START + 15 * MIN);
    standIns.calcom.failNext(100, 503, "markAbsent");
    await recordAbsenceMark(s.bookingId, { by: "coach", absent: "student", via: "app" }, s.deps);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    const stuck = await storedBooking(s.bookingId);
    expect(stuck.sideEffectAttempts["calcom-absent"]).toBe(3);
    expect(stuck.needsReconciliation).toBe(true);
    expect(stuck.attendance).toMatchObject({ revision: 1, mirroredRevision: 0 });
    expect(standIns.calcom.booking(s.calcomUid)?.attendeeAbsent).toBe(false);

    standIns.calcom.clearFaults();
    s.clock.now = new Date(s.clock.now.getTime() + 5 * MIN);
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "absence" }, s.deps);
    expect(out.drifts.map((d) => d.kind)).toContain("absence-unmirrored");
    expect(standIns.calcom.booking(s.calcomUid)?.attendeeAbsent).toBe(true);
    expect((await storedBooking(s.bookingId)).attendance?.mirroredRevision).toBe(1);
  });
});

describe("Cal.com's MEETING_ENDED", () => {
  it("records when the meeting ended, once", async () => {
    const s = await session();
    s.clock.now = new Date(START + 61 * MIN);
    expect(standIns.calcom.endMeetings()).toEqual([s.calcomUid]);
    const [delivery] = held("MEETING_ENDED");
    expect((await deliver(delivery ?? "", s.deps)).body.outcome).toBe("processed");
    expect((await deliver(delivery ?? "", s.deps)).body.outcome).toBe("duplicate");
    expect((await storedBooking(s.bookingId)).attendance?.meetingEndedAt).toBe("2030-01-07T10:00:00.000Z");
    expect((await auditTypes(s.bookingId)).filter((t) => t === "meeting-ended")).toHaveLength(1);
    // The booking is not completed by it: completion waits for the grace period.
    expect((await storedBooking(s.bookingId)).status).toBe("confirmed");
  });

  it("is refused unsigned, like every delivery", async () => {
    const s = await session();
    s.clock.now = new Date(START + 61 * MIN);
    standIns.calcom.endMeetings();
    const [delivery] = held("MEETING_ENDED");
    const out = await handleCalcomWebhook(
      { method: "POST", rawBody: Buffer.from(delivery ?? ""), header: () => calcomSignature(delivery ?? "", "wrong") } as never,
      s.deps,
    );
    expect(out.status).toBe(401);
    expect((await storedBooking(s.bookingId)).attendance?.meetingEndedAt ?? null).toBeNull();
  });
});
