import { z } from "zod";
import { DateTime } from "luxon";
import type { Interval } from "../../domain/availability.js";
import { toUtcIso } from "../../domain/time.js";
import { AppError } from "../../domain/errors.js";
import type { BookingCalendarGateway, CalcomAccount, EventTypeSpec, SchedulingGateway, WeeklyRow } from "../../ports/scheduling.port.js";
import type { CalcomBookingListed, CalcomBookingRecord, CalcomBookingRef } from "../../domain/calcom-views.js";
import { calcomApi, type EventTypeInput } from "./calcom-api.js";
import type { CalcomBooking } from "./calcom.schemas.js";
import type { CalcomClient } from "./calcom-client.js";
import { CalcomApiError } from "./calcom-errors.js";
import { calcomToAppError, isDuplicateSlug, isDuplicateUser } from "./calcom-error-map.js";

export const SCHEDULE_NAME = "Coachify availability";

/** The metadata key naming the coach an organization user was created for (Cal.com keeps it and lists it back). */
const OWNER_TAG = "coachifyCoachId";
const ownerTag = (coachId: string) => ({ [OWNER_TAG]: coachId });

const USER_NOT_OURS_MESSAGE =
  "Your email belongs to a member of the marketplace's Cal.com organization that this marketplace did not create for you, so it cannot be linked to your account. Please contact an administrator.";

function isKind(err: unknown, kind: CalcomApiError["kind"]): boolean {
  return err instanceof CalcomApiError && err.kind === kind;
}

/**
 * SchedulingGateway on Cal.com API v2, in both modes. Creates are made safe to repeat by
 * adoption: an organization user we created for the same coach (tagged in its metadata), a
 * schedule with our name, an event type with our deterministic slug already there is found and
 * reused, so a retried sync or trigger never makes a second one. Cal.com errors leave here as AppErrors.
 */
export class CalcomSchedulingGateway implements SchedulingGateway {
  constructor(private readonly client: CalcomClient) {}

  async provisionUser(
    account: CalcomAccount,
    coach: { coachId: string; email: string; timeZone: string },
  ): Promise<{ calcomUserId: number; adopted: boolean }> {
    return this.mapped(async () => {
      if (account.mode === "connected") {
        const me = await calcomApi.getMe(this.client, account.apiKey);
        return { calcomUserId: me.id, adopted: false };
      }
      let userId: number;
      let adopted = false;
      const { coachId, email, timeZone } = coach;
      try {
        userId = (
          await calcomApi.createOrgUser(this.client, account.apiKey, account.orgId, { email, timeZone, metadata: ownerTag(coachId) })
        ).id;
      } catch (err) {
        if (!isDuplicateUser(err)) throw err;
        // A member with this email exists. Only one we created for this very coach (an earlier
        // create whose answer was lost) is theirs: anyone else's schedule is not to be taken over.
        const [existing] = await calcomApi.listOrgUsers(this.client, account.apiKey, account.orgId, [email]);
        if (!existing) throw err;
        if (existing.metadata?.[OWNER_TAG] !== coachId) throw new AppError("calcom/user-not-ours", USER_NOT_OURS_MESSAGE, { cause: err });
        userId = existing.id;
        adopted = true;
      }
      try {
        await calcomApi.createOrgTeamMembership(this.client, account.apiKey, account.orgId, account.teamId, userId);
      } catch (err) {
        if (!isKind(err, "conflict")) throw err; // already a member
      }
      return { calcomUserId: userId, adopted };
    });
  }

  async saveSchedule(
    account: CalcomAccount,
    input: { calcomUserId: number; scheduleId: number | null; timeZone: string; rows: WeeklyRow[] },
  ): Promise<{ scheduleId: number; created: boolean }> {
    return this.mapped(async () => {
      const body = { name: SCHEDULE_NAME, timeZone: input.timeZone, isDefault: true, availability: input.rows };
      const update = (id: number) =>
        account.mode === "connected"
          ? calcomApi.updateSchedule(this.client, account.apiKey, id, body)
          : calcomApi.updateOrgUserSchedule(this.client, account.apiKey, account.orgId, input.calcomUserId, id, body);
      let scheduleId = input.scheduleId;
      if (scheduleId === null) {
        // A sync that created the schedule but failed before recording it left one behind: adopt it.
        const existing =
          account.mode === "connected"
            ? await calcomApi.listSchedules(this.client, account.apiKey)
            : await calcomApi.listOrgUserSchedules(this.client, account.apiKey, account.orgId, input.calcomUserId);
        scheduleId = existing.find((s) => s.name === SCHEDULE_NAME)?.id ?? null;
      }
      if (scheduleId !== null) {
        try {
          await update(scheduleId);
          return { scheduleId, created: false };
        } catch (err) {
          if (!isKind(err, "not-found")) throw err; // deleted in Cal.com: make a new one
        }
      }
      const created =
        account.mode === "connected"
          ? await calcomApi.createSchedule(this.client, account.apiKey, body)
          : await calcomApi.createOrgUserSchedule(this.client, account.apiKey, account.orgId, input.calcomUserId, body);
      return { scheduleId: created.id, created: true };
    });
  }

  async saveEventType(
    account: CalcomAccount,
    input: { calcomUserId: number; scheduleId: number | null; eventTypeId: number | null; spec: EventTypeSpec },
  ): Promise<{ eventTypeId: number; created: boolean }> {
    return this.mapped(async () => {
      const body: EventTypeInput = {
        title: input.spec.title,
        slug: input.spec.slug,
        lengthInMinutes: input.spec.lengthInMinutes,
        // Payment is ours: every booking waits for our confirmation, and a pending one holds its slot.
        confirmationPolicy: { type: "always", blockUnconfirmedBookingsInBooker: true },
        // Students book through us, never Cal.com's public page or API, so that they always pay.
        hidden: true,
        bookingRequiresAuthentication: true,
        // The coach's limits, so that Cal.com's own slots and booker say what ours say.
        minimumBookingNotice: input.spec.minimumBookingNotice,
        beforeEventBuffer: input.spec.beforeEventBuffer,
        afterEventBuffer: input.spec.afterEventBuffer,
        bookingWindow:
          input.spec.bookingWindowDays === null
            ? { disabled: true }
            : { type: "calendarDays", value: input.spec.bookingWindowDays, rolling: true },
        slotInterval: input.spec.slotInterval,
      };
      const scheduled = account.mode === "connected" && input.scheduleId !== null ? { ...body, scheduleId: input.scheduleId } : body;
      const update = (id: number) =>
        account.mode === "connected"
          ? calcomApi.updateEventType(this.client, account.apiKey, id, scheduled)
          : calcomApi.updateTeamEventType(this.client, account.apiKey, account.orgId, account.teamId, id, {
              ...body,
              hosts: [{ userId: input.calcomUserId }],
            });
      if (input.eventTypeId !== null) {
        try {
          await update(input.eventTypeId);
          return { eventTypeId: input.eventTypeId, created: false };
        } catch (err) {
          if (!isKind(err, "not-found")) throw err;
        }
      }
      try {
        const created =
          account.mode === "connected"
            ? await calcomApi.createEventType(this.client, account.apiKey, scheduled)
            : await calcomApi.createTeamEventType(this.client, account.apiKey, account.orgId, account.teamId, {
                ...body,
                hostUserId: input.calcomUserId,
              });
        return { eventTypeId: created.id, created: true };
      } catch (err) {
        if (!isDuplicateSlug(err)) throw err;
        // Our slug is deterministic: "already has this slug" means an earlier attempt created it. Adopt and update it.
        const existing = await this.findBySlug(account, input.spec.slug);
        if (existing === null) throw err;
        await update(existing);
        return { eventTypeId: existing, created: false };
      }
    });
  }

  async deleteEventType(account: CalcomAccount, eventTypeId: number): Promise<void> {
    return this.mapped(async () => {
      try {
        if (account.mode === "connected") await calcomApi.deleteEventType(this.client, account.apiKey, eventTypeId);
        else await calcomApi.deleteTeamEventType(this.client, account.apiKey, account.orgId, account.teamId, eventTypeId);
      } catch (err) {
        if (!isKind(err, "not-found")) throw err;
      }
    });
  }

  async ensureWebhook(
    account: CalcomAccount & { mode: "connected" },
    input: { subscriberUrl: string; formerSubscriberUrls?: readonly string[]; secret: string; triggers: readonly string[] },
  ): Promise<{ webhookId: number; created: boolean }> {
    return this.mapped(async () => {
      const body = {
        active: true,
        subscriberUrl: input.subscriberUrl,
        triggers: [...input.triggers],
        secret: input.secret,
        version: "2021-10-20" as const,
      };
      // Ours is adopted by its subscriber URL (or a former one): a repeated connect updates it (a new secret) rather than adding one.
      const urls = [input.subscriberUrl, ...(input.formerSubscriberUrls ?? [])];
      const existing = await calcomApi.listWebhooks(this.client, account.apiKey);
      const ours = urls.map((url) => existing.find((w) => w.subscriberUrl === url)).find((w) => w !== undefined);
      if (ours) return { webhookId: (await calcomApi.updateWebhook(this.client, account.apiKey, ours.id, body)).id, created: false };
      return { webhookId: (await calcomApi.createWebhook(this.client, account.apiKey, body)).id, created: true };
    });
  }

  async getSlots(input: {
    eventTypeId: number;
    start: string;
    end: string;
    timeZone: string;
    bookingUidToReschedule?: string | undefined;
  }): Promise<Interval[]> {
    return this.mapped(async () => {
      const byDate = await calcomApi.getSlots(this.client, input);
      const intervals: Interval[] = [];
      for (const slots of Object.values(byDate)) {
        for (const slot of slots) {
          if (slot.end === undefined) continue;
          intervals.push({
            start: toUtcIso(DateTime.fromISO(slot.start, { setZone: true })),
            end: toUtcIso(DateTime.fromISO(slot.end, { setZone: true })),
          });
        }
      }
      return intervals.sort((a, b) => a.start.localeCompare(b.start));
    });
  }

  async ownerOfKey(apiKey: string): Promise<{ calcomUserId: number }> {
    return this.mapped(async () => ({ calcomUserId: (await calcomApi.getMe(this.client, apiKey)).id }));
  }

  async findEventType(account: CalcomAccount, slug: string): Promise<number | null> {
    return this.mapped(() => this.findBySlug(account, slug));
  }

  private async findBySlug(account: CalcomAccount, slug: string): Promise<number | null> {
    if (account.mode === "connected") {
      const mine = await calcomApi.listEventTypes(this.client, account.apiKey, {});
      return mine.find((e) => e.slug === slug)?.id ?? null;
    }
    const team = await calcomApi.listTeamEventTypes(this.client, account.apiKey, account.orgId, account.teamId, slug);
    return team.find((e) => e.slug === slug)?.id ?? null;
  }

  private async mapped<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw calcomToAppError(err);
    }
  }
}

function bookingRef(b: CalcomBooking): CalcomBookingRef {
  const status = b.status === "accepted" || b.status === "cancelled" || b.status === "rejected" ? b.status : "pending";
  // The facts only: who is charged for a cancellation, or held to which rules for a move, is the domain's rule.
  const emails = (people: { email?: string | undefined }[] | undefined) => (people ?? []).flatMap((p) => (p.email ? [p.email] : []));
  return {
    calcomBookingId: b.id,
    calcomBookingUid: b.uid,
    status,
    cancelledByEmail: b.cancelledByEmail ?? null,
    attendeeEmails: emails(b.attendees),
    hostEmails: emails(b.hosts),
    rescheduledToUid: b.rescheduledToUid ?? null,
    rescheduledFromUid: b.rescheduledFromUid ?? null,
    rescheduledByEmail: b.rescheduledByEmail ?? null,
    meetingUrl: meetingUrlOf(b),
  };
}

const LIST_PAGE = 100;

/** The session's link: Cal.com's `location` when it is a web address (else a place or a phone), or the deprecated `meetingUrl`. */
function meetingUrlOf(b: CalcomBooking): string | null {
  for (const candidate of [b.location, b.meetingUrl]) if (candidate && /^https?:\/\//.test(candidate)) return candidate;
  return null;
}

/** A booking's instants as Cal.com gives them (with an offset), as our UTC ISO strings. */
const CalcomInstantSchema = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());
const CalcomBookingTimesSchema = z
  .object({ start: CalcomInstantSchema, end: CalcomInstantSchema })
  .refine((t) => Date.parse(t.end) > Date.parse(t.start), { message: "end must be after start" });

/**
 * BookingCalendarGateway on Cal.com. Cal.com's confirm and cancel are not idempotent (a second
 * call is a 400): a 400 is taken as success once a GET shows the booking in the wanted state.
 */
export class CalcomBookingGateway implements BookingCalendarGateway {
  constructor(private readonly client: CalcomClient) {}

  async createBooking(
    account: CalcomAccount,
    input: { eventTypeId: number; start: string; attendee: { name: string; email: string; timeZone: string }; bookingId: string },
  ): Promise<CalcomBookingRef> {
    try {
      const b = await calcomApi.createBooking(this.client, account.apiKey, {
        start: input.start.replace(/\.\d{3}Z$/, "Z"),
        eventTypeId: input.eventTypeId,
        attendee: input.attendee,
        metadata: { bookingId: input.bookingId },
      });
      return bookingRef(b);
    } catch (err) {
      // Cal.com refuses a taken or closed slot with 400 (no distinct code) or 409 (same accepted slot).
      if (isKind(err, "bad-request") || isKind(err, "conflict")) {
        throw new AppError("booking/slot-unavailable", "This time is no longer available. Please pick another slot.", { cause: err });
      }
      throw calcomToAppError(err);
    }
  }

  private async mapped<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw calcomToAppError(err);
    }
  }

  async getBooking(account: CalcomAccount, uid: string): Promise<CalcomBookingRecord> {
    try {
      const b = await calcomApi.getBooking(this.client, account.apiKey, uid);
      const times = CalcomBookingTimesSchema.safeParse({ start: b.start, end: b.end });
      if (!times.success)
        throw new CalcomApiError("invalid-response", `Cal.com's booking ${uid} has no valid start and end`, { cause: times.error });
      return { ...bookingRef(b), ...times.data, eventTypeId: b.eventTypeId ?? null, meetingUrl: meetingUrlOf(b) };
    } catch (err) {
      throw calcomToAppError(err);
    }
  }

  async listBookingsChangedSince(account: CalcomAccount, since: string): Promise<{ bookings: CalcomBookingListed[]; more: boolean }> {
    try {
      const page = await calcomApi.listBookings(this.client, account.apiKey, { afterUpdatedAt: since, take: LIST_PAGE, skip: 0 });
      const bookings = page.map((b) => ({
        ...bookingRef(b),
        bookingId: typeof b.metadata?.bookingId === "string" ? b.metadata.bookingId : null,
        updatedAt: typeof b.updatedAt === "string" ? b.updatedAt : null,
      }));
      return { bookings, more: page.length === LIST_PAGE };
    } catch (err) {
      throw calcomToAppError(err);
    }
  }

  async confirmBooking(account: CalcomAccount, uid: string): Promise<CalcomBookingRef> {
    try {
      return bookingRef(await calcomApi.confirmBooking(this.client, account.apiKey, uid));
    } catch (err) {
      if (isKind(err, "bad-request")) {
        const current = await this.getBooking(account, uid);
        if (current.status === "accepted") return current;
      }
      throw calcomToAppError(err);
    }
  }

  async rescheduleBooking(
    account: CalcomAccount,
    uid: string,
    input: { start: string; rescheduledBy: string | null; reason: string },
  ): Promise<CalcomBookingRef> {
    try {
      const b = await calcomApi.rescheduleBooking(this.client, account.apiKey, uid, {
        start: input.start.replace(/\.\d{3}Z$/, "Z"),
        ...(input.rescheduledBy ? { rescheduledBy: input.rescheduledBy } : {}),
        reschedulingReason: input.reason,
      });
      return bookingRef(b);
    } catch (err) {
      if (!isKind(err, "bad-request") && !isKind(err, "conflict")) throw calcomToAppError(err);
      // Already moved by an earlier attempt whose answer was lost: the old booking points to the new one.
      const old = await this.mapped(() => calcomApi.getBooking(this.client, account.apiKey, uid));
      if (old.status === "cancelled" && old.rescheduledToUid) return this.getBooking(account, old.rescheduledToUid);
      throw new AppError("booking/slot-unavailable", "This time is no longer available. Please pick another slot.", { cause: err });
    }
  }

  async markAbsent(account: CalcomAccount, uid: string, absence: { hostAbsent: boolean; attendeeAbsent: boolean }): Promise<void> {
    return this.mapped(async () => {
      // Cal.com names attendees by email: the booking's own, read from Cal.com (ours is the student's).
      const booking = await calcomApi.getBooking(this.client, account.apiKey, uid);
      const emails = (booking.attendees ?? []).flatMap((a) => (a.email ? [a.email] : []));
      await calcomApi.markAbsent(this.client, account.apiKey, uid, {
        host: absence.hostAbsent,
        attendees: emails.map((email) => ({ email, absent: absence.attendeeAbsent })),
      });
    });
  }

  async cancelBooking(account: CalcomAccount, uid: string, reason: string): Promise<CalcomBookingRef> {
    try {
      return bookingRef(await calcomApi.cancelBooking(this.client, account.apiKey, uid, reason));
    } catch (err) {
      if (isKind(err, "bad-request")) {
        const current = await this.getBooking(account, uid);
        if (current.status === "cancelled" || current.status === "rejected") return current;
      }
      throw calcomToAppError(err);
    }
  }
}
