import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from "ical-generator";
import type { SessionFacts } from "./notifications.js";

export interface InviteParty {
  name: string | null;
  email: string;
}

export interface CalendarInvite {
  /** The `.ics` text (RFC 5545, CRLF line ends). */
  content: string;
  /** `REQUEST` adds or updates the entry in the reader's calendar; `CANCEL` removes it. */
  method: "REQUEST" | "CANCEL";
}

/** The calendar entry's UID: one per booking, whatever moves it (a calendar updates the entry it already has). */
export function calendarUid(bookingId: string, domain: string): string {
  return `booking-${bookingId}@${domain}`;
}

/**
 * The calendar file of a session, as Cal.com's own emails carry one: one UID per booking, the
 * SEQUENCE its moves raised, METHOD REQUEST while it takes place and CANCEL with STATUS
 * CANCELLED once cancelled (one above the last REQUEST, so calendars take it as newer). Times
 * are written in UTC: every calendar shows them in its own zone, and no zone table is needed.
 */
export function calendarInvite(input: {
  bookingId: string;
  uidDomain: string;
  session: Pick<SessionFacts, "startTime" | "endTime" | "sequence">;
  cancelled: boolean;
  summary: string;
  description: string;
  organizer: InviteParty;
  attendee: InviteParty;
  meetingUrl: string | null;
  /** When this version was made (DTSTAMP). */
  stamp: Date;
}): CalendarInvite {
  const method = input.cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const calendar = ical({ prodId: { company: "Coachify", product: "bookings", language: "EN" }, method });
  calendar.createEvent({
    id: calendarUid(input.bookingId, input.uidDomain),
    sequence: input.session.sequence + (input.cancelled ? 1 : 0),
    start: new Date(input.session.startTime),
    end: new Date(input.session.endTime),
    stamp: input.stamp,
    summary: input.summary,
    description: input.description,
    status: input.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: input.organizer.name ?? input.organizer.email, email: input.organizer.email },
    attendees: [
      {
        name: input.attendee.name ?? input.attendee.email,
        email: input.attendee.email,
        role: ICalAttendeeRole.REQ,
        status: input.cancelled ? ICalAttendeeStatus.DECLINED : ICalAttendeeStatus.ACCEPTED,
      },
    ],
    ...(input.meetingUrl && !input.cancelled ? { url: input.meetingUrl, location: input.meetingUrl } : {}),
  });
  return { content: calendar.toString(), method: input.cancelled ? "CANCEL" : "REQUEST" };
}
