/** What Cal.com tells us about a booking, in our terms (the booking calendar port answers with these). */

export interface CalcomBookingRef {
  calcomBookingId: number;
  calcomBookingUid: string;
  status: "pending" | "accepted" | "cancelled" | "rejected";
  /** For a cancelled booking: who Cal.com says cancelled it (an email), null when it does not say. */
  cancelledByEmail?: string | null;
  /** The booking's attendees, as Cal.com records them: a cancellation by one of them is the student's. */
  attendeeEmails?: string[];
  /** The booking's hosts, as Cal.com records them: a move by one of them is the coach's. */
  hostEmails?: string[];
  /** Set on a booking Cal.com cancelled because it was moved: the new booking's uid (a move, not a cancellation). */
  rescheduledToUid?: string | null;
  /** Set on the booking a move created: the uid of the booking it replaced. */
  rescheduledFromUid?: string | null;
  /** For a moved booking: who Cal.com says moved it (an email), null when it does not say. */
  rescheduledByEmail?: string | null;
  /** The session's video link (Cal.com's `location`, else `meetingUrl`), null when it has none. */
  meetingUrl?: string | null;
}

/** Cal.com's own record of one booking: its times (UTC ISO) and event type, as well as its state. */
export interface CalcomBookingRecord extends CalcomBookingRef {
  start: string;
  end: string;
  eventTypeId: number | null;
  meetingUrl: string | null;
}

/** A Cal.com booking as a reconciliation poll sees it: ours when its metadata names a booking. */
export interface CalcomBookingListed extends CalcomBookingRef {
  bookingId: string | null;
  updatedAt: string | null;
}
