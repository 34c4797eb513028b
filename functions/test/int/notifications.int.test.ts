import ICAL from "ical.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deliverNotification, pushDeliveryId } from "../../src/core/notification-delivery.js";
import { runReminder } from "../../src/core/reminders.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { reminderDueAt, type Reminder } from "../../src/domain/notifications.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { setNotificationPreferences } from "../../src/features/notifications/notifications.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { createFcmPushSender } from "../../src/integrations/push/fcm-push.sender.js";
import { getDb, mailDoc, notificationsCollection, pushDeliveryDoc, pushTokensCollection } from "../../src/shared/firestore.js";
import { confirmedBooking, useStandIns } from "../helpers/in-process.js";
import { recordingReminderQueue } from "../helpers/reminders.js";
import { FakeFcm } from "../stand-ins/fake-fcm.server.js";
import { SendEmailExtension } from "../stand-ins/send-email-extension.js";
import { SmtpCatcher, type CaughtMail } from "../stand-ins/smtp-catcher.js";

const standIns = useStandIns();
let catcher: SmtpCatcher;
let extension: SendEmailExtension;
let fcm: FakeFcm;

beforeAll(async () => {
  catcher = await SmtpCatcher.start();
  extension = await SendEmailExtension.start({ db: getDb(), smtpUrl: catcher.smtpUrl, defaultFrom: "Coachify <no-reply@coachify.test>" });
  fcm = await FakeFcm.start();
});
afterAll(async () => {
  await extension.stop();
  await catcher.stop();
  await fcm.stop();
});
afterEach(() => {
  catcher.reset();
  fcm.reset();
});

/** A token shaped as FCM's are (an installation id, a colon, the token proper). */
const deviceToken = (device: string) => `${device}-install:APA91b_${device}_0123456789abcdefghij`;

const pushSender = () => createFcmPushSender({ projectId: "demo-coachify-int", apiUrl: fcm.url });

/** Delivers every notification of the booking not delivered yet, as `onNotificationCreated` does (a second run changes nothing). */
async function deliverAll(bookingId: string, deps: Parameters<typeof deliverNotification>[1]): Promise<string[]> {
  const notes = await notificationsCollection().where("bookingId", "==", bookingId).get();
  for (const n of notes.docs) await deliverNotification(n.id, deps);
  return notes.docs.map((d) => d.id);
}

const invitesTo = (all: CaughtMail[], email: string) =>
  all.filter((m) => m.to.includes(email) && m.attachments.some((a) => a.contentType.startsWith("text/calendar")));

function eventOf(mail: CaughtMail) {
  const ics = mail.attachments.find((a) => a.contentType.startsWith("text/calendar"));
  if (!ics) throw new Error("no calendar file");
  const cal = new ICAL.Component(ICAL.parse(ics.content) as unknown[]);
  const event = cal.getFirstSubcomponent("vevent");
  if (!event) throw new Error("no VEVENT");
  return {
    method: cal.getFirstPropertyValue("method"),
    attachmentMethod: ics.method,
    uid: event.getFirstPropertyValue("uid"),
    sequence: event.getFirstPropertyValue("sequence"),
    status: event.getFirstPropertyValue("status"),
    start: (event.getFirstPropertyValue("dtstart") as ICAL.Time).toJSDate().toISOString(),
    end: (event.getFirstPropertyValue("dtend") as ICAL.Time).toJSDate().toISOString(),
  };
}

describe("email with a calendar file", () => {
  it("booking, moving and cancelling each deliver one email to each party: one UID, SEQUENCE going up, the booking's times, CANCELLED at the end", async () => {
    const s = await confirmedBooking(standIns, { push: pushSender() });
    const student = `${s.studentId}@example.com`;
    const coach = `${s.coachId}@example.com`;
    await deliverAll(s.bookingId, s.deps);
    await catcher.waitFor((all) => invitesTo(all, student).length === 1 && invitesTo(all, coach).length === 1);

    const moved = { newStartTime: "2030-01-07T11:00:00.000Z", newEndTime: "2030-01-07T12:00:00.000Z" };
    await rescheduleBooking({ bookingId: s.bookingId, ...moved, refundDifference: true, reason: "Clash" }, s.student, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    await deliverAll(s.bookingId, s.deps);
    await catcher.waitFor((all) => invitesTo(all, student).length === 2 && invitesTo(all, coach).length === 2);

    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.student, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    await deliverAll(s.bookingId, s.deps);
    const all = await catcher.waitFor((m) => invitesTo(m, student).length === 3 && invitesTo(m, coach).length === 3);

    for (const email of [student, coach]) {
      const events = invitesTo(all, email).map(eventOf);
      expect(new Set(events.map((e) => e.uid)).size).toBe(1);
      expect(events.map((e) => e.sequence)).toEqual([0, 1, 2]);
      expect(events.map((e) => e.method)).toEqual(["REQUEST", "REQUEST", "CANCEL"]);
      expect(events.map((e) => e.attachmentMethod)).toEqual(["REQUEST", "REQUEST", "CANCEL"]);
      expect(events.map((e) => [e.start, e.end])).toEqual([
        ["2030-01-07T09:00:00.000Z", "2030-01-07T10:00:00.000Z"],
        [moved.newStartTime, moved.newEndTime],
        [moved.newStartTime, moved.newEndTime],
      ]);
      expect(events.at(-1)?.status).toBe("CANCELLED");
    }
    // The student also hears of the refund (no calendar file), in the currency's format.
    const refund = await catcher.waitFor((m) => m.some((x) => x.to.includes(student) && x.subject.startsWith("Refund sent")));
    expect(refund.find((x) => x.subject.startsWith("Refund sent"))?.subject).toBe("Refund sent: €100.00");
    // The extension's record of each: sent once.
    const notes = await notificationsCollection().where("bookingId", "==", s.bookingId).get();
    for (const n of notes.docs) {
      const mail = await mailDoc(n.id).get();
      await expect.poll(async () => (await mailDoc(n.id).get()).get("delivery.state") as unknown).toBe("SUCCESS");
      expect(mail.get("to")).toHaveLength(1);
      expect((await mailDoc(n.id).get()).get("delivery.attempts")).toBe(1);
    }
  });
});

describe("push", () => {
  it("goes once to each registered device, never on a channel turned off; a device FCM no longer knows is pruned", async () => {
    const s = await confirmedBooking(standIns, { push: pushSender() });
    await pushTokensCollection(s.studentId)
      .doc("phone")
      .set({ token: deviceToken("phone"), platform: "android" });
    await pushTokensCollection(s.studentId)
      .doc("old-tablet")
      .set({ token: deviceToken("tablet"), platform: "ios" });
    await pushTokensCollection(s.coachId)
      .doc("laptop")
      .set({ token: deviceToken("laptop"), platform: "web" });
    fcm.unregister(deviceToken("tablet"));
    await setNotificationPreferences({ channels: { "booking-confirmed": { push: false } } }, s.coach, s.deps);

    await deliverAll(s.bookingId, s.deps);

    expect(fcm.sent.map((p) => p.token)).toEqual([deviceToken("phone")]);
    expect(fcm.sent[0]?.message).toMatchObject({ notification: { title: expect.stringMatching(/^Booked: 60 min/) as unknown } });
    expect((await pushTokensCollection(s.studentId).get()).docs.map((d) => d.id)).toEqual(["phone"]);
    expect(
      (await pushDeliveryDoc(pushDeliveryId(`${s.bookingId}_booking-confirmed_${s.studentId}`, "old-tablet")).get()).get("state"),
    ).toBe("pruned");
    // The coach still gets the email: only push was turned off.
    await catcher.waitFor((all) => all.some((m) => m.to.includes(`${s.coachId}@example.com`)));
  });

  it("a retried delivery sends nothing twice, and one that FCM failed sends only what was left", async () => {
    const s = await confirmedBooking(standIns, { push: pushSender() });
    await pushTokensCollection(s.studentId)
      .doc("a")
      .set({ token: deviceToken("a") });
    await pushTokensCollection(s.studentId)
      .doc("b")
      .set({ token: deviceToken("b") });
    const id = `${s.bookingId}_booking-confirmed_${s.studentId}`;
    fcm.failNext(500); // firebase-admin retries a 503 itself: a 500 reaches us
    await expect(deliverNotification(id, s.deps)).rejects.toThrow();
    expect(fcm.sent).toHaveLength(1);
    await deliverNotification(id, s.deps);
    await deliverNotification(id, s.deps);
    expect(fcm.sent.map((p) => p.token).sort()).toEqual([deviceToken("a"), deviceToken("b")].sort());
    const again = await deliverNotification(id, s.deps);
    expect(again).toMatchObject({ email: "already-queued", pushed: 0 });
    await catcher.waitFor((all) => all.some((m) => m.to.includes(`${s.studentId}@example.com`)));
    await new Promise((r) => setTimeout(r, 300)); // a second email would have arrived by now
    expect(catcher.messages.filter((m) => m.to.includes(`${s.studentId}@example.com`))).toHaveLength(1);
  });
});

/** Next Monday 09:00 UTC at least two days ahead (the stand-in coach's availability). */
function nextMonday(hour: number): string {
  const d = new Date();
  d.setUTCHours(hour, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + 2);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

describe("reminders", () => {
  it("are scheduled for their time, sent then once to both parties, and skipped once the session moved or was cancelled", async () => {
    const { tasks, queue } = recordingReminderQueue();
    const start = nextMonday(9);
    const end = new Date(Date.parse(start) + 3_600_000).toISOString();
    const s = await confirmedBooking(standIns, { reminderQueue: queue, startTime: start, endTime: end });
    expect(tasks.map((t) => [t.reminder.offsetMinutes, t.scheduleTime.toISOString()])).toEqual([
      [1440, new Date(Date.parse(start) - 86_400_000).toISOString()],
      [60, new Date(Date.parse(start) - 3_600_000).toISOString()],
    ]);
    const hourBefore = tasks[1]?.reminder as Reminder;

    // Run early (the emulator runs tasks at once): it waits for its time.
    s.clock.now = new Date(Date.parse(reminderDueAt(hourBefore)) - 10 * 60_000);
    expect(await runReminder(hourBefore, s.deps)).toEqual({ notBefore: reminderDueAt(hourBefore) });
    // At its time: sent, once.
    s.clock.now = new Date(reminderDueAt(hourBefore));
    expect(await runReminder(hourBefore, s.deps)).toBe("sent");
    expect(await runReminder(hourBefore, s.deps)).toBe("already-sent");
    const told = await notificationsCollection().where("bookingId", "==", s.bookingId).where("topic", "==", "reminder").get();
    expect(told.docs.map((d) => d.get("recipientId") as string).sort()).toEqual([s.coachId, s.studentId].sort());
    await deliverAll(s.bookingId, s.deps);
    await catcher.waitFor((all) => all.filter((m) => m.subject.startsWith("In 1 hour")).length === 2);

    // Moved before the 24 h reminder: it is skipped, and the new time has reminders of its own.
    s.clock.now = new Date(Date.parse(start) - 3 * 86_400_000);
    const dayBefore = tasks[0]?.reminder as Reminder;
    const newStart = new Date(Date.parse(start) + 7 * 86_400_000).toISOString();
    const newEnd = new Date(Date.parse(newStart) + 3_600_000).toISOString();
    await rescheduleBooking(
      { bookingId: s.bookingId, newStartTime: newStart, newEndTime: newEnd, refundDifference: true, reason: "" },
      s.student,
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    s.clock.now = new Date(reminderDueAt(dayBefore));
    expect(await runReminder(dayBefore, s.deps)).toBe("skipped");
    const fresh = tasks.filter((t) => t.reminder.startTime === newStart);
    expect(fresh.map((t) => t.reminder.offsetMinutes)).toEqual([1440, 60]);

    // Cancelled: the new time's reminders are skipped too.
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.student, s.deps);
    s.clock.now = new Date(reminderDueAt(fresh[0]?.reminder as Reminder));
    expect(await runReminder(fresh[0]?.reminder as Reminder, s.deps)).toBe("skipped");
    const reminders = await notificationsCollection().where("bookingId", "==", s.bookingId).where("topic", "==", "reminder").get();
    expect(reminders.size).toBe(2);
  });
});
