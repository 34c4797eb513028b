import { describe, expect, it } from "vitest";
import ICAL from "ical.js";
import { calendarInvite } from "./calendar-invite.js";
import { renderNotification, sessionWhen } from "./notification-text.js";
import {
  NotificationSchema,
  channelsFor,
  parseReminderOffsets,
  reminderDecision,
  reminderDueAt,
  remindersOf,
  type Reminder,
} from "./notifications.js";

const booking = {
  status: "confirmed" as const,
  paymentStatus: "paid" as const,
  startTime: "2030-01-07T09:00:00.000Z",
  rescheduleCount: 0,
  previousCalcomBookingUids: [] as string[],
};

describe("channelsFor", () => {
  it("sends every topic on both channels by default, and honours a channel turned off", () => {
    expect(channelsFor(undefined, "reminder")).toEqual({ email: true, push: true });
    expect(channelsFor({ channels: { reminder: { push: false } } }, "reminder")).toEqual({ email: true, push: false });
    expect(channelsFor({ channels: { reminder: { push: false } } }, "booking-moved")).toEqual({ email: true, push: true });
  });
});

describe("reminders", () => {
  it("parses the offsets, largest first, and refuses what is not whole minutes", () => {
    expect(parseReminderOffsets("60, 1440,60")).toEqual([1440, 60]);
    expect(parseReminderOffsets("")).toEqual([]);
    expect(() => parseReminderOffsets("1.5")).toThrow(RangeError);
    expect(() => parseReminderOffsets("0")).toThrow(RangeError);
  });

  it("has one reminder per offset still ahead, due that long before the start", () => {
    const now = new Date("2030-01-06T12:00:00.000Z"); // 21 h before: the 24 h reminder has passed
    const rs = remindersOf("b1", booking, [1440, 60], now);
    expect(rs.map((r) => r.offsetMinutes)).toEqual([60]);
    expect(reminderDueAt(rs[0] as Reminder)).toBe("2030-01-07T08:00:00.000Z");
    expect(remindersOf("b1", { ...booking, status: "cancelled" }, [60], now)).toEqual([]);
  });

  it("is sent at its time, waits before it, and is skipped once the session moved, was cancelled or started", () => {
    const r: Reminder = { bookingId: "b1", startTime: booking.startTime, sequence: 0, offsetMinutes: 60 };
    expect(reminderDecision(r, booking, new Date("2030-01-07T07:30:00.000Z"))).toEqual({ kind: "wait", until: "2030-01-07T08:00:00.000Z" });
    expect(reminderDecision(r, booking, new Date("2030-01-07T07:59:30.000Z"))).toEqual({ kind: "send" });
    expect(reminderDecision(r, booking, new Date("2030-01-07T08:00:00.000Z"))).toEqual({ kind: "send" });
    const at = new Date("2030-01-07T08:00:00.000Z");
    expect(reminderDecision(r, { ...booking, startTime: "2030-01-07T10:00:00.000Z" }, at)).toMatchObject({ why: "moved" });
    // Moved away and back to the same time: a new revision, so the old reminder is still skipped.
    expect(reminderDecision(r, { ...booking, previousCalcomBookingUids: ["u1", "u2"] }, at)).toMatchObject({ why: "moved" });
    expect(reminderDecision(r, { ...booking, status: "cancelled" }, at)).toMatchObject({ kind: "skip" });
    expect(reminderDecision(r, booking, new Date("2030-01-07T09:00:00.000Z"))).toMatchObject({ why: "started" });
    expect(reminderDecision(r, undefined, at)).toMatchObject({ why: "booking-gone" });
  });
});

const session = {
  startTime: "2030-01-07T09:00:00.000Z",
  endTime: "2030-01-07T10:00:00.000Z",
  sequence: 2,
  offeringId: "sixty",
  coachId: "c1",
  studentId: "s1",
  studentTimeZone: "America/New_York",
  priceCents: 12_050,
  currency: "eur",
};
const reader = {
  role: "student" as const,
  timeZone: "Europe/Paris",
  otherParty: "Ada Coach",
  offeringTitle: "60 min",
  meetingUrl: "https://meet.example/abc",
  preferencesUrl: "https://app.example/settings/notifications",
};

describe("renderNotification", () => {
  const note = (over: object) =>
    NotificationSchema.parse({
      bookingId: "b1",
      recipientId: "s1",
      kind: "booking-confirmed",
      topic: "booking-confirmed",
      title: "Session booked",
      body: "",
      session,
      createdAt: "2030-01-01T00:00:00.000Z",
      ...over,
    });

  it("shows the time in the reader's zone and the price in its currency's format", () => {
    const m = renderNotification(note({}), reader);
    expect(m.text).toContain("Monday 7 January 2030, 10:00–11:00 (Europe/Paris)");
    expect(m.text).toContain("€120.50");
    expect(m.text).toContain("Join: https://meet.example/abc");
    expect(m.html).toContain('<a href="https://meet.example/abc">');
    expect(sessionWhen(session, "Asia/Tokyo")).toBe("Monday 7 January 2030, 18:00–19:00 (Asia/Tokyo)");
  });

  it("says the refund of a cancellation, and escapes what it puts into HTML", () => {
    const m = renderNotification(
      note({
        topic: "booking-cancelled",
        kind: "booking-cancelled",
        body: "Cancelled (<b>sick</b>)",
        amount: { amountCents: 6_025, currency: "eur" },
      }),
      reader,
    );
    expect(m.subject).toMatch(/^Cancelled: 60 min/);
    expect(m.text).toContain("Refund: €60.25.");
    expect(m.html).toContain("&lt;b&gt;sick&lt;/b&gt;");
    expect(m.html).not.toContain("<b>sick</b>");
  });

  it("names the reminder's lead time from its kind", () => {
    const m = renderNotification(note({ topic: "reminder", kind: "reminder-1440m-s2-1" }), reader);
    expect(m.subject).toMatch(/^In 24 hours: 60 min/);
  });
});

describe("calendarInvite", () => {
  const base = {
    bookingId: "b1",
    uidDomain: "app.example",
    session,
    summary: "60 min",
    description: "A session",
    organizer: { name: "Ada Coach", email: "ada@example.com" },
    attendee: { name: null, email: "sam@example.com" },
    meetingUrl: "https://meet.example/abc",
    stamp: new Date("2030-01-01T00:00:00.000Z"),
  };
  function parsed(content: string) {
    const cal = new ICAL.Component(ICAL.parse(content) as unknown[]);
    const event = cal.getFirstSubcomponent("vevent");
    if (!event) throw new Error("no VEVENT");
    return { cal, event };
  }

  it("is a REQUEST with the booking's UID, its revision as SEQUENCE and its times in UTC", () => {
    const invite = calendarInvite({ ...base, cancelled: false });
    const { cal, event } = parsed(invite.content);
    expect(invite.method).toBe("REQUEST");
    expect(cal.getFirstPropertyValue("method")).toBe("REQUEST");
    expect(event.getFirstPropertyValue("uid")).toBe("booking-b1@app.example");
    expect(event.getFirstPropertyValue("sequence")).toBe(2);
    expect((event.getFirstPropertyValue("dtstart") as ICAL.Time).toJSDate().toISOString()).toBe(session.startTime);
    expect((event.getFirstPropertyValue("dtend") as ICAL.Time).toJSDate().toISOString()).toBe(session.endTime);
    expect(String(event.getFirstPropertyValue("organizer")).toLowerCase()).toBe("mailto:ada@example.com");
    expect(String(event.getFirstPropertyValue("attendee")).toLowerCase()).toBe("mailto:sam@example.com");
    expect(event.getFirstPropertyValue("location")).toBe("https://meet.example/abc");
  });

  it("is a CANCEL with STATUS CANCELLED, one revision above the last REQUEST, without the link", () => {
    const invite = calendarInvite({ ...base, cancelled: true });
    const { cal, event } = parsed(invite.content);
    expect(cal.getFirstPropertyValue("method")).toBe("CANCEL");
    expect(event.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(event.getFirstPropertyValue("sequence")).toBe(3);
    expect(event.getFirstPropertyValue("uid")).toBe("booking-b1@app.example");
    expect(event.getFirstPropertyValue("location")).toBeNull();
  });
});
