import { z } from "zod";
import { CAL_API_VERSIONS, type CalcomClient } from "./calcom-client.js";
import {
  CalcomBookingSchema,
  CalcomDeletedEventTypeSchema,
  CalcomEventTypeSchema,
  CalcomMeSchema,
  CalcomMembershipSchema,
  CalcomOrgUserSchema,
  CalcomScheduleSchema,
  CalcomSlotsSchema,
  CalcomUserWebhookSchema,
  type CalcomDayNameSchema,
} from "./calcom.schemas.js";

// One typed function per Cal.com endpoint we use; each names its version header. The paths and
// bodies are those of test/stand-ins/calcom-subset.openapi.ts, which the conformance test holds
// against Cal.com's published description.

export interface CalcomAvailabilityRow {
  days: z.output<typeof CalcomDayNameSchema>[];
  startTime: string;
  endTime: string;
}
export interface ScheduleInput {
  name: string;
  timeZone: string;
  isDefault: boolean;
  availability: CalcomAvailabilityRow[];
}
export interface EventTypeInput {
  title: string;
  slug: string;
  lengthInMinutes: number;
  description?: string;
  confirmationPolicy: { type: "always"; blockUnconfirmedBookingsInBooker: boolean };
  hidden: boolean;
  bookingRequiresAuthentication: boolean;
  minimumBookingNotice?: number;
  beforeEventBuffer?: number;
  afterEventBuffer?: number;
  bookingWindow?: { type: "calendarDays"; value: number; rolling: boolean } | { disabled: true };
  slotInterval?: number;
}

export interface WebhookInput {
  active: boolean;
  subscriberUrl: string;
  triggers: string[];
  secret: string;
  version: "2021-10-20";
}
/** Cal.com's largest page of webhooks: a user has far fewer. */
export const WEBHOOK_PAGE = 250;

const S = CAL_API_VERSIONS.schedules;
const E = CAL_API_VERSIONS.eventTypes;
const B = CAL_API_VERSIONS.bookings;

export const calcomApi = {
  getMe: (c: CalcomClient, key: string) => c.request({ method: "GET", path: "/me", credential: key, data: CalcomMeSchema }),

  // Schedules of the credential's own user (connected-account mode).
  listSchedules: (c: CalcomClient, key: string) =>
    c.request({ method: "GET", path: "/schedules", version: S, credential: key, data: z.array(CalcomScheduleSchema) }),
  createSchedule: (c: CalcomClient, key: string, body: ScheduleInput) =>
    c.request({ method: "POST", path: "/schedules", version: S, credential: key, body, data: CalcomScheduleSchema }),
  updateSchedule: (c: CalcomClient, key: string, id: number, body: Partial<ScheduleInput>) =>
    c.request({ method: "PATCH", path: `/schedules/${id}`, version: S, credential: key, body, data: CalcomScheduleSchema }),

  // Event types of the credential's own user (connected-account mode).
  listEventTypes: (c: CalcomClient, key: string, query: { username?: string; eventSlug?: string }) =>
    c.request({ method: "GET", path: "/event-types", version: E, credential: key, query, data: z.array(CalcomEventTypeSchema) }),
  createEventType: (c: CalcomClient, key: string, body: EventTypeInput & { scheduleId?: number }) =>
    c.request({ method: "POST", path: "/event-types", version: E, credential: key, body, data: CalcomEventTypeSchema }),
  updateEventType: (c: CalcomClient, key: string, id: number, body: Partial<EventTypeInput> & { scheduleId?: number }) =>
    c.request({ method: "PATCH", path: `/event-types/${id}`, version: E, credential: key, body, data: CalcomEventTypeSchema }),
  deleteEventType: (c: CalcomClient, key: string, id: number) =>
    c.request({ method: "DELETE", path: `/event-types/${id}`, version: E, credential: key, data: CalcomDeletedEventTypeSchema }),

  // Organization mode: an org-admin key manages users, their schedules and team event types.
  listOrgUsers: (c: CalcomClient, key: string, orgId: number, emails: string[]) =>
    c.request({
      method: "GET",
      path: `/organizations/${orgId}/users`,
      credential: key,
      query: { emails },
      data: z.array(CalcomOrgUserSchema),
    }),
  createOrgUser: (
    c: CalcomClient,
    key: string,
    orgId: number,
    body: { email: string; username?: string; timeZone: string; metadata: Record<string, string> },
  ) =>
    c.request({
      method: "POST",
      path: `/organizations/${orgId}/users`,
      credential: key,
      body: { ...body, organizationRole: "MEMBER", autoAccept: true },
      data: CalcomOrgUserSchema,
    }),
  listOrgUserSchedules: (c: CalcomClient, key: string, orgId: number, userId: number) =>
    c.request({
      method: "GET",
      path: `/organizations/${orgId}/users/${userId}/schedules`,
      credential: key,
      data: z.array(CalcomScheduleSchema),
    }),
  createOrgUserSchedule: (c: CalcomClient, key: string, orgId: number, userId: number, body: ScheduleInput) =>
    c.request({
      method: "POST",
      path: `/organizations/${orgId}/users/${userId}/schedules`,
      credential: key,
      body,
      data: CalcomScheduleSchema,
    }),
  updateOrgUserSchedule: (c: CalcomClient, key: string, orgId: number, userId: number, id: number, body: Partial<ScheduleInput>) =>
    c.request({
      method: "PATCH",
      path: `/organizations/${orgId}/users/${userId}/schedules/${id}`,
      credential: key,
      body,
      data: CalcomScheduleSchema,
    }),
  createOrgTeamMembership: (c: CalcomClient, key: string, orgId: number, teamId: number, userId: number) =>
    c.request({
      method: "POST",
      path: `/organizations/${orgId}/teams/${teamId}/memberships`,
      credential: key,
      body: { userId, role: "MEMBER", accepted: true },
      data: CalcomMembershipSchema,
    }),
  listTeamEventTypes: (c: CalcomClient, key: string, orgId: number, teamId: number, eventSlug: string) =>
    c.request({
      method: "GET",
      path: `/organizations/${orgId}/teams/${teamId}/event-types`,
      credential: key,
      query: { eventSlug },
      data: z.array(CalcomEventTypeSchema),
    }),
  createTeamEventType: (c: CalcomClient, key: string, orgId: number, teamId: number, body: EventTypeInput & { hostUserId: number }) => {
    const { hostUserId, ...rest } = body;
    return c.request({
      method: "POST",
      path: `/organizations/${orgId}/teams/${teamId}/event-types`,
      credential: key,
      body: { ...rest, schedulingType: "collective", hosts: [{ userId: hostUserId }], assignAllTeamMembers: false },
      data: CalcomEventTypeSchema,
    });
  },
  updateTeamEventType: (
    c: CalcomClient,
    key: string,
    orgId: number,
    teamId: number,
    id: number,
    body: Partial<EventTypeInput> & { hosts?: { userId: number }[] },
  ) =>
    c.request({
      method: "PATCH",
      path: `/organizations/${orgId}/teams/${teamId}/event-types/${id}`,
      credential: key,
      body,
      data: CalcomEventTypeSchema,
    }),
  deleteTeamEventType: (c: CalcomClient, key: string, orgId: number, teamId: number, id: number) =>
    c.request({
      method: "DELETE",
      path: `/organizations/${orgId}/teams/${teamId}/event-types/${id}`,
      credential: key,
      data: CalcomDeletedEventTypeSchema,
    }),

  // Webhooks of the credential's own user (connected-account mode): Cal.com sends them for all of its event types.
  listWebhooks: (c: CalcomClient, key: string) =>
    c.request({ method: "GET", path: "/webhooks", credential: key, query: { take: WEBHOOK_PAGE }, data: z.array(CalcomUserWebhookSchema) }),
  createWebhook: (c: CalcomClient, key: string, body: WebhookInput) =>
    c.request({ method: "POST", path: "/webhooks", credential: key, body, data: CalcomUserWebhookSchema }),
  updateWebhook: (c: CalcomClient, key: string, id: number, body: WebhookInput) =>
    c.request({ method: "PATCH", path: `/webhooks/${id}`, credential: key, body, data: CalcomUserWebhookSchema }),

  // Public: Cal.com takes no credential here (and it would count against the key's budget).
  getSlots: (
    c: CalcomClient,
    input: { eventTypeId: number; start: string; end: string; timeZone: string; bookingUidToReschedule?: string | undefined },
  ) =>
    c.request({
      method: "GET",
      path: "/slots",
      version: CAL_API_VERSIONS.slots,
      credential: null,
      query: {
        eventTypeId: input.eventTypeId,
        start: input.start,
        end: input.end,
        timeZone: input.timeZone,
        ...(input.bookingUidToReschedule !== undefined ? { bookingUidToReschedule: input.bookingUidToReschedule } : {}),
        format: "range",
      },
      data: CalcomSlotsSchema,
    }),

  createBooking: (
    c: CalcomClient,
    key: string | null,
    body: {
      start: string;
      eventTypeId: number;
      lengthInMinutes?: number;
      attendee: { name: string; timeZone: string; email?: string };
      metadata: Record<string, string>;
    },
  ) => c.request({ method: "POST", path: "/bookings", version: B, credential: key, body, data: CalcomBookingSchema }),
  /** Bookings the key may see changed after `afterUpdatedAt`, oldest change first (a reconciliation poll). */
  listBookings: (c: CalcomClient, key: string, query: { afterUpdatedAt: string; take: number; skip: number }) =>
    c.request({
      method: "GET",
      path: "/bookings",
      version: B,
      credential: key,
      query: { ...query, sortUpdatedAt: "asc" },
      data: z.array(CalcomBookingSchema),
    }),
  getBooking: (c: CalcomClient, key: string | null, uid: string) =>
    c.request({ method: "GET", path: `/bookings/${encodeURIComponent(uid)}`, version: B, credential: key, data: CalcomBookingSchema }),
  confirmBooking: (c: CalcomClient, key: string, uid: string) =>
    c.request({
      method: "POST",
      path: `/bookings/${encodeURIComponent(uid)}/confirm`,
      version: B,
      credential: key,
      data: CalcomBookingSchema,
    }),
  declineBooking: (c: CalcomClient, key: string, uid: string, reason: string) =>
    c.request({
      method: "POST",
      path: `/bookings/${encodeURIComponent(uid)}/decline`,
      version: B,
      credential: key,
      body: { reason },
      data: CalcomBookingSchema,
    }),
  cancelBooking: (c: CalcomClient, key: string | null, uid: string, cancellationReason: string) =>
    c.request({
      method: "POST",
      path: `/bookings/${encodeURIComponent(uid)}/cancel`,
      version: B,
      credential: key,
      body: { cancellationReason },
      data: CalcomBookingSchema,
    }),
  markAbsent: (c: CalcomClient, key: string, uid: string, body: { host: boolean; attendees: { email: string; absent: boolean }[] }) =>
    c.request({
      method: "POST",
      path: `/bookings/${encodeURIComponent(uid)}/mark-absent`,
      version: B,
      credential: key,
      body,
      data: CalcomBookingSchema,
    }),
  rescheduleBooking: (
    c: CalcomClient,
    key: string | null,
    uid: string,
    body: { start: string; rescheduledBy?: string; reschedulingReason?: string },
  ) =>
    c.request({
      method: "POST",
      path: `/bookings/${encodeURIComponent(uid)}/reschedule`,
      version: B,
      credential: key,
      body,
      data: CalcomBookingSchema,
    }),
};
