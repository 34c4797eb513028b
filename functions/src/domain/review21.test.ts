import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { calendarInvite } from "./calendar-invite.js";
import { renderNotification, sessionWhen, type Reader } from "./notification-text.js";
import { NotificationSchema, type Notification } from "./notifications.js";

// Review of issue #21 (notifications), pure cases. "finding" tests failed at b22d607 (fixed since); "holds" tests guard edges.

const session = {
  startTime: "2030-01-07T09:00:00.000Z",
  endTime: "2030-01-07T10:00:00.000Z",
  sequence: 0,
  offeringId: "sixty",
  coachId: "coach-1",
  studentId: "student-1",
  studentTimeZone: "Europe/Paris",
  priceCents: 10_000,
  currency: "eur",
};

function notification(over: Partial<Notification> = {}): Notification {
  return NotificationSchema.parse({
    bookingId: "b1",
    recipientId: "student-1",
    kind: "booking-confirmed",
    topic: "booking-confirmed",
    title: "Session booked",
    body: "The paid session starts at 2030-01-07T09:00:00.000Z.",
    session,
    calendar: "request",
    createdAt: "2030-01-01T00:00:00.000Z",
    ...over,
  });
}

const reader = (over: Partial<Reader> = {}): Reader => ({
  role: "student",
  timeZone: "Europe/Paris",
  otherParty: "Coach Ann",
  offeringTitle: "60 min",
  meetingUrl: null,
  preferencesUrl: "https://app.example/settings/notifications",
  ...over,
});

describe("review #21: what a coach writes, in the student's email", () => {
  it("holds 21.P1: a coach's name and offering title with markup and line breaks: the subject is one line, the HTML carries no tag of theirs", () => {
    const out = renderNotification(
      notification(),
      reader({
        otherParty: 'Ann"><script>alert(1)</script>',
        offeringTitle: "60 min\r\nBcc: victim@example.com\r\n<img src=x onerror=alert(1)>",
      }),
    );
    expect(out.subject).not.toMatch(/[\r\n]/);
    expect(out.pushTitle).not.toMatch(/[\r\n]/);
    expect(out.html).not.toContain("<script");
    expect(out.html).not.toContain("<img");
    expect(out.html).toContain("&lt;script&gt;");
  });

  it("holds 21.P2: a URL in a coach's name made into a link keeps its quotes escaped (no attribute of theirs)", () => {
    const out = renderNotification(notification(), reader({ otherParty: 'https://a.example/x"onmouseover="alert(1)' }));
    const hrefs = [...out.html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1] ?? "");
    for (const href of hrefs) expect(href).not.toContain('"');
    // Every anchor has the one attribute href (the rest of the name stays inside its value, escaped).
    for (const tag of out.html.match(/<a [^>]*>/g) ?? []) expect(tag).toMatch(/^<a href="[^"]*">$/);
  });

  it("finding 21.P3: a coach's display name that is a URL is not made into a clickable link in the student's email (only our own links are)", () => {
    // A coach controls displayName (firestore.rules: any string up to 200 characters).
    const out = renderNotification(
      notification(),
      reader({ otherParty: "Ann - verify your card at https://coachify-payments.example/login" }),
    );
    const links = [...out.html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]);
    expect(links).toEqual(["https://app.example/settings/notifications"]);
  });

  it("holds 21.P4: the calendar file keeps a coach's name with line breaks and quotes inside its own property: one event, one attendee", () => {
    const invite = calendarInvite({
      bookingId: "b1",
      uidDomain: "app.example",
      session,
      cancelled: false,
      summary: "60 min\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil",
      description: "line one\nATTENDEE:mailto:evil@example.com",
      organizer: { name: 'Ann";ROLE=CHAIR:mailto:evil@example.com\r\nATTENDEE:mailto:evil@example.com', email: "coach@example.com" },
      attendee: { name: null, email: "student@example.com" },
      meetingUrl: null,
      stamp: new Date("2030-01-01T00:00:00.000Z"),
    });
    const cal = new ICAL.Component(ICAL.parse(invite.content) as unknown[]);
    const events = cal.getAllSubcomponents("vevent");
    expect(events).toHaveLength(1);
    const event = events[0] as ICAL.Component;
    expect(event.getAllProperties("attendee").map((p) => String(p.getFirstValue()).toLowerCase())).toEqual(["mailto:student@example.com"]);
    expect(String(event.getFirstPropertyValue("organizer")).toLowerCase()).toBe("mailto:coach@example.com");
    expect(event.getFirstPropertyValue("uid")).toBe("booking-b1@app.example");
  });

  it("holds 21.P5: times in the zones at the edges (UTC+14, UTC-12) and across a day's end", () => {
    expect(sessionWhen(session, "Pacific/Kiritimati")).toBe(
      "Monday 7 January 2030, 23:00–Tuesday 8 January 2030, 00:00 (Pacific/Kiritimati)",
    );
    expect(sessionWhen(session, "Etc/GMT+12")).toBe("Sunday 6 January 2030, 21:00–22:00 (Etc/GMT+12)");
  });
});

describe("review #21: wording", () => {
  it("finding 21.P6: a move that was abandoned (the student paid, Cal.com no longer had the time) is not announced as a move", () => {
    // abandonRescheduleInTx (core/effects/move-payments.ts) tells the student with topic booking-moved, no calendar file.
    const n = notification({
      kind: "reschedule-r1-abandoned",
      topic: "booking-moved",
      calendar: null,
      title: "Your session was not moved",
      body: "Your session stays at 2030-01-07T09:00:00.000Z: Cal.com no longer offers that time.",
    });
    const out = renderNotification(n, reader());
    expect(out.subject).not.toMatch(/^Moved/);
    expect(out.text).toContain("not moved");
  });
});
