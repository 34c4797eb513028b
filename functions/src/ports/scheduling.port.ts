import type { Interval } from "../domain/availability.js";
import type { CalcomBookingListed, CalcomBookingRecord, CalcomBookingRef } from "../domain/calcom-views.js";

/** How we reach Cal.com for one coach. */
export type CalcomAccount =
  { mode: "organization"; apiKey: string; orgId: number; teamId: number } | { mode: "connected"; apiKey: string; calcomUserId: number };

export interface WeeklyRow {
  days: ("Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday")[];
  startTime: string;
  endTime: string;
}

export interface EventTypeSpec {
  slug: string;
  title: string;
  lengthInMinutes: number;
  /** The scheduling limits Cal.com's own booker and slots must agree with (minutes; window in days, null for none). */
  minimumBookingNotice: number;
  beforeEventBuffer: number;
  afterEventBuffer: number;
  bookingWindowDays: number | null;
  /** Always given (the session length for one slot per session): an update without it keeps the old one. */
  slotInterval: number;
}

/** The Cal.com operations the features need, in our own types. Implemented by the Cal.com gateway. */
export interface SchedulingGateway {
  /**
   * The coach's Cal.com user: created (organization, tagged with `coachId`) or read (connected).
   * An organization member with the email is adopted only when we created it for this coach
   * (`adopted`); any other is refused with `calcom/user-not-ours`.
   */
  provisionUser(
    account: CalcomAccount,
    coach: { coachId: string; email: string; timeZone: string },
  ): Promise<{ calcomUserId: number; adopted: boolean }>;
  /** The Cal.com user a connected account's API key belongs to (`calcom/unauthorized` when Cal.com refuses the key). */
  ownerOfKey(apiKey: string): Promise<{ calcomUserId: number }>;
  /** Creates or updates the coach's availability schedule, made the user's default; returns its id. */
  saveSchedule(
    account: CalcomAccount,
    input: { calcomUserId: number; scheduleId: number | null; timeZone: string; rows: WeeklyRow[] },
  ): Promise<{ scheduleId: number; created: boolean }>;
  /** Creates or updates an offering's event type (requires confirmation, blocks the slot while pending). */
  saveEventType(
    account: CalcomAccount,
    input: { calcomUserId: number; scheduleId: number | null; eventTypeId: number | null; spec: EventTypeSpec },
  ): Promise<{ eventTypeId: number; created: boolean }>;
  /** Our event type with this slug in the account, if there is one (a create whose answer was lost). */
  findEventType(account: CalcomAccount, slug: string): Promise<number | null>;
  /** Deletes an event type; one already gone counts as deleted. */
  deleteEventType(account: CalcomAccount, eventTypeId: number): Promise<void>;
  /**
   * Makes sure the connected account has our webhook (`subscriberUrl`) with these triggers and
   * secret: ours found by its subscriber URL is updated, otherwise one is created (never two).
   */
  ensureWebhook(
    account: CalcomAccount & { mode: "connected" },
    /** `formerSubscriberUrls`: where an earlier webhook of ours pointed; one found there is taken over. */
    input: { subscriberUrl: string; formerSubscriberUrls?: readonly string[]; secret: string; triggers: readonly string[] },
  ): Promise<{ webhookId: number; created: boolean }>;
  /** Free slots of an event type between two instants (UTC ISO); `bookingUidToReschedule`: that booking's own time counts as free (slots to move it to). */
  getSlots(input: {
    eventTypeId: number;
    start: string;
    end: string;
    timeZone: string;
    bookingUidToReschedule?: string | undefined;
  }): Promise<Interval[]>;
}

/** Booking operations on Cal.com (a second port so that features needing only these stay small). */
export interface BookingCalendarGateway {
  /** A pending booking (the event type requires confirmation) carrying our booking id in metadata. */
  createBooking(
    account: CalcomAccount,
    input: { eventTypeId: number; start: string; attendee: { name: string; email: string; timeZone: string }; bookingId: string },
  ): Promise<CalcomBookingRef>;
  getBooking(account: CalcomAccount, uid: string): Promise<CalcomBookingRecord>;
  /**
   * The bookings the account may see that changed after `since` (ISO instant), oldest change
   * first, in one call (one page): `more` when the page was full and later changes remain.
   */
  listBookingsChangedSince(account: CalcomAccount, since: string): Promise<{ bookings: CalcomBookingListed[]; more: boolean }>;
  /** Confirms; a booking Cal.com already accepted counts as confirmed. */
  confirmBooking(account: CalcomAccount, uid: string): Promise<CalcomBookingRef>;
  /**
   * Moves a booking within its event type: Cal.com creates a new booking (new uid) and cancels
   * the old one in one step. Named as `rescheduledBy`, the host gets it accepted at once. A
   * repeat after a lost answer finds the move already made and returns the new booking.
   */
  rescheduleBooking(
    account: CalcomAccount,
    uid: string,
    input: { start: string; rescheduledBy: string | null; reason: string },
  ): Promise<CalcomBookingRef>;
  /**
   * Shows in Cal.com who did not come (mark-absent): the host, and every attendee of the booking.
   * Cal.com refuses it before the booking's start; repeating it changes nothing.
   */
  markAbsent(account: CalcomAccount, uid: string, absence: { hostAbsent: boolean; attendeeAbsent: boolean }): Promise<void>;
  /** Cancels with a reason (Cal.com requires one from the host); one already cancelled counts. */
  cancelBooking(account: CalcomAccount, uid: string, reason: string): Promise<CalcomBookingRef>;
}
