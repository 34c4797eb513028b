/**
 * Our own OpenAPI 3.0 description of the part of Cal.com's API v2 this backend uses: every path,
 * method, header, parameter and body field our client sends. The Cal.com stand-in validates each
 * request against it (openapi-backend), and calcom-conformance.test.ts holds it against Cal.com's
 * full published description, so a request that passes here is one Cal.com accepts.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
/** Cal.com wants booking starts in UTC ("…Z"). */
const utcInstant: Schema = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z$" };
const num: Schema = { type: "number" };
const bool: Schema = { type: "boolean" };

function header(name: string, required: boolean, schema: Schema = str) {
  return { name, in: "header", required, schema };
}
function version(v: string) {
  return header("cal-api-version", true, { type: "string", enum: [v] });
}
const auth = header("Authorization", true, { type: "string", pattern: "^Bearer .+" });
const optionalAuth = header("Authorization", false, { type: "string", pattern: "^Bearer .+" });
function pathParam(name: string, schema: Schema) {
  return { name, in: "path", required: true, schema };
}
function query(name: string, schema: Schema, required = false) {
  return { name, in: "query", required, schema };
}
function body(schema: Schema) {
  return { required: true, content: { "application/json": { schema } } };
}
const ok = { "200": { description: "success envelope" } };
const created = { "201": { description: "success envelope" } };

const availabilityRow: Schema = {
  type: "object",
  required: ["days", "startTime", "endTime"],
  properties: {
    days: {
      type: "array",
      minItems: 1,
      items: { type: "string", enum: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] },
    },
    startTime: { type: "string", pattern: "^([01]\\d|2[0-3]):[0-5]\\d$" },
    endTime: { type: "string", pattern: "^([01]\\d|2[0-3]):[0-5]\\d$" },
  },
  additionalProperties: false,
};
const createSchedule: Schema = {
  type: "object",
  required: ["name", "timeZone", "isDefault"],
  properties: { name: str, timeZone: str, isDefault: bool, availability: { type: "array", items: availabilityRow } },
  additionalProperties: false,
};
const updateSchedule: Schema = {
  type: "object",
  properties: { name: str, timeZone: str, isDefault: bool, availability: { type: "array", items: availabilityRow } },
  additionalProperties: false,
};
const confirmationPolicy: Schema = {
  type: "object",
  required: ["type", "blockUnconfirmedBookingsInBooker"],
  properties: { type: { type: "string", enum: ["always"] }, blockUnconfirmedBookingsInBooker: bool },
  additionalProperties: false,
};
const eventTypeFields: Record<string, Schema> = {
  lengthInMinutes: { type: "number", minimum: 1 },
  title: { type: "string", minLength: 1 },
  slug: { type: "string", pattern: "^[a-z0-9-]+$" },
  description: str,
  confirmationPolicy,
  hidden: bool,
  bookingRequiresAuthentication: bool,
  minimumBookingNotice: { type: "number", minimum: 0 },
  beforeEventBuffer: { type: "number", minimum: 0 },
  afterEventBuffer: { type: "number", minimum: 0 },
  slotInterval: { type: "number", minimum: 1 },
  bookingWindow: {
    oneOf: [
      {
        type: "object",
        required: ["type", "value"],
        properties: { type: { type: "string", enum: ["businessDays", "calendarDays"] }, value: { type: "number" }, rolling: bool },
        additionalProperties: false,
      },
      { type: "object", required: ["disabled"], properties: { disabled: { type: "boolean", enum: [true] } }, additionalProperties: false },
    ],
  },
};
const createEventType: Schema = {
  type: "object",
  required: ["lengthInMinutes", "title", "slug"],
  properties: { ...eventTypeFields, scheduleId: num },
  additionalProperties: false,
};
const updateEventType: Schema = { type: "object", properties: { ...eventTypeFields, scheduleId: num }, additionalProperties: false };
const host: Schema = { type: "object", required: ["userId"], properties: { userId: num }, additionalProperties: false };
const createTeamEventType: Schema = {
  type: "object",
  required: ["lengthInMinutes", "title", "slug", "schedulingType"],
  properties: {
    ...eventTypeFields,
    schedulingType: { type: "string", enum: ["collective"] },
    hosts: { type: "array", items: host },
    assignAllTeamMembers: bool,
  },
  additionalProperties: false,
};
const updateTeamEventType: Schema = {
  type: "object",
  properties: { ...eventTypeFields, hosts: { type: "array", items: host } },
  additionalProperties: false,
};
const createBooking: Schema = {
  type: "object",
  required: ["start", "attendee"],
  properties: {
    start: utcInstant,
    eventTypeId: num,
    lengthInMinutes: num,
    attendee: {
      type: "object",
      required: ["name", "timeZone"],
      properties: { name: str, timeZone: str, email: str },
      additionalProperties: false,
    },
    metadata: { type: "object", maxProperties: 50, additionalProperties: { type: "string", maxLength: 500 } },
  },
  additionalProperties: false,
};

/** A user-level webhook: ours always names every field (an update sends the same body). */
const webhookFields: Record<string, Schema> = {
  active: bool,
  subscriberUrl: { type: "string", pattern: "^https?://" },
  triggers: {
    type: "array",
    minItems: 1,
    items: {
      type: "string",
      enum: [
        "BOOKING_REQUESTED",
        "BOOKING_CREATED",
        "BOOKING_CANCELLED",
        "BOOKING_RESCHEDULED",
        "BOOKING_REJECTED",
        "BOOKING_NO_SHOW_UPDATED",
        "MEETING_ENDED",
      ],
    },
  },
  secret: { type: "string", minLength: 1 },
  version: { type: "string", enum: ["2021-10-20"] },
};
const webhook: Schema = {
  type: "object",
  required: ["active", "subscriberUrl", "triggers", "secret", "version"],
  properties: webhookFields,
  additionalProperties: false,
};

export const CALCOM_SUBSET_OPENAPI = {
  openapi: "3.0.0",
  info: { title: "Cal.com API v2: the subset this backend uses", version: "2026-11" },
  paths: {
    "/v2/me": {
      get: { operationId: "getMe", parameters: [auth], responses: ok },
    },
    "/v2/webhooks": {
      get: { operationId: "listWebhooks", parameters: [auth, query("take", { type: "number", minimum: 1, maximum: 250 })], responses: ok },
      post: { operationId: "createWebhook", parameters: [auth], requestBody: body(webhook), responses: created },
    },
    "/v2/webhooks/{webhookId}": {
      patch: { operationId: "updateWebhook", parameters: [auth, pathParam("webhookId", str)], requestBody: body(webhook), responses: ok },
    },
    "/v2/schedules": {
      get: { operationId: "listSchedules", parameters: [auth, version("2024-06-11")], responses: ok },
      post: {
        operationId: "createSchedule",
        parameters: [auth, version("2024-06-11")],
        requestBody: body(createSchedule),
        responses: created,
      },
    },
    "/v2/schedules/{scheduleId}": {
      patch: {
        operationId: "updateSchedule",
        parameters: [auth, version("2024-06-11"), pathParam("scheduleId", str)],
        requestBody: body(updateSchedule),
        responses: ok,
      },
    },
    "/v2/event-types": {
      get: {
        operationId: "listEventTypes",
        parameters: [optionalAuth, version("2024-06-14"), query("username", str), query("eventSlug", str)],
        responses: ok,
      },
      post: {
        operationId: "createEventType",
        parameters: [auth, version("2024-06-14")],
        requestBody: body(createEventType),
        responses: created,
      },
    },
    "/v2/event-types/{eventTypeId}": {
      patch: {
        operationId: "updateEventType",
        parameters: [auth, version("2024-06-14"), pathParam("eventTypeId", num)],
        requestBody: body(updateEventType),
        responses: ok,
      },
      delete: { operationId: "deleteEventType", parameters: [auth, version("2024-06-14"), pathParam("eventTypeId", num)], responses: ok },
    },
    "/v2/slots": {
      get: {
        operationId: "getSlots",
        parameters: [
          // Slots are public: Cal.com's description takes no Authorization here.
          version("2024-09-04"),
          query("start", str, true),
          query("end", str, true),
          query("eventTypeId", num),
          query("timeZone", str),
          query("format", { type: "string", enum: ["time", "range"] }),
          query("duration", num),
          query("bookingUidToReschedule", str),
        ],
        responses: ok,
      },
    },
    "/v2/bookings": {
      get: {
        operationId: "listBookings",
        parameters: [
          version("2024-08-13"),
          auth,
          query("afterUpdatedAt", str),
          query("sortUpdatedAt", { type: "string", enum: ["asc", "desc"] }),
          query("take", num),
          query("skip", num),
        ],
        responses: ok,
      },
      post: {
        operationId: "createBooking",
        parameters: [version("2024-08-13"), optionalAuth],
        requestBody: body(createBooking),
        responses: created,
      },
    },
    "/v2/bookings/{bookingUid}": {
      get: { operationId: "getBooking", parameters: [version("2024-08-13"), optionalAuth, pathParam("bookingUid", str)], responses: ok },
    },
    "/v2/bookings/{bookingUid}/confirm": {
      post: { operationId: "confirmBooking", parameters: [version("2024-08-13"), auth, pathParam("bookingUid", str)], responses: ok },
    },
    "/v2/bookings/{bookingUid}/decline": {
      post: {
        operationId: "declineBooking",
        parameters: [version("2024-08-13"), auth, pathParam("bookingUid", str)],
        requestBody: body({ type: "object", properties: { reason: str }, additionalProperties: false }),
        responses: ok,
      },
    },
    "/v2/bookings/{bookingUid}/cancel": {
      post: {
        operationId: "cancelBooking",
        parameters: [version("2024-08-13"), optionalAuth, pathParam("bookingUid", str)],
        requestBody: body({
          type: "object",
          required: ["cancellationReason"],
          properties: { cancellationReason: { type: "string", minLength: 1 } },
          additionalProperties: false,
        }),
        responses: ok,
      },
    },
    "/v2/bookings/{bookingUid}/reschedule": {
      post: {
        operationId: "rescheduleBooking",
        parameters: [version("2024-08-13"), optionalAuth, pathParam("bookingUid", str)],
        requestBody: body({
          type: "object",
          required: ["start"],
          properties: { start: utcInstant, rescheduledBy: str, reschedulingReason: str },
          additionalProperties: false,
        }),
        responses: created,
      },
    },
    "/v2/bookings/{bookingUid}/mark-absent": {
      post: {
        operationId: "markAbsent",
        parameters: [version("2024-08-13"), auth, pathParam("bookingUid", str)],
        // Cal.com refuses an empty attendees list (400); each item needs an email and a boolean.
        requestBody: body({
          type: "object",
          properties: {
            host: bool,
            attendees: {
              type: "array",
              minItems: 1,
              items: {
                type: "object",
                required: ["email", "absent"],
                properties: { email: str, absent: bool },
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        }),
        responses: ok,
      },
    },
    "/v2/organizations/{orgId}/users": {
      get: {
        operationId: "listOrgUsers",
        parameters: [auth, pathParam("orgId", num), query("emails", { type: "array", items: str })],
        responses: ok,
      },
      post: {
        operationId: "createOrgUser",
        parameters: [auth, pathParam("orgId", num)],
        requestBody: body({
          type: "object",
          required: ["email"],
          properties: {
            email: { type: "string", pattern: "^[^@\\s]+@[^@\\s]+$" },
            username: str,
            timeZone: str,
            // Ours names the coach the user is made for; Cal.com's limits on metadata (50 keys, 500-character values).
            metadata: {
              type: "object",
              maxProperties: 50,
              additionalProperties: { type: "string", maxLength: 500 },
            },
            organizationRole: { type: "string", enum: ["MEMBER"] },
            autoAccept: bool,
          },
          additionalProperties: false,
        }),
        responses: created,
      },
    },
    "/v2/organizations/{orgId}/users/{userId}/schedules": {
      get: { operationId: "listOrgUserSchedules", parameters: [auth, pathParam("orgId", num), pathParam("userId", num)], responses: ok },
      post: {
        operationId: "createOrgUserSchedule",
        parameters: [auth, pathParam("orgId", num), pathParam("userId", num)],
        requestBody: body(createSchedule),
        responses: created,
      },
    },
    "/v2/organizations/{orgId}/users/{userId}/schedules/{scheduleId}": {
      patch: {
        operationId: "updateOrgUserSchedule",
        parameters: [auth, pathParam("orgId", num), pathParam("userId", num), pathParam("scheduleId", num)],
        requestBody: body(updateSchedule),
        responses: ok,
      },
    },
    "/v2/organizations/{orgId}/teams/{teamId}/memberships": {
      post: {
        operationId: "createOrgTeamMembership",
        parameters: [auth, pathParam("orgId", num), pathParam("teamId", num)],
        requestBody: body({
          type: "object",
          required: ["userId", "role"],
          properties: { userId: num, role: { type: "string", enum: ["MEMBER"] }, accepted: bool },
          additionalProperties: false,
        }),
        responses: created,
      },
    },
    "/v2/organizations/{orgId}/teams/{teamId}/event-types": {
      get: {
        operationId: "listTeamEventTypes",
        parameters: [auth, pathParam("orgId", num), pathParam("teamId", num), query("eventSlug", str)],
        responses: ok,
      },
      post: {
        operationId: "createTeamEventType",
        parameters: [auth, pathParam("orgId", num), pathParam("teamId", num)],
        requestBody: body(createTeamEventType),
        responses: created,
      },
    },
    "/v2/organizations/{orgId}/teams/{teamId}/event-types/{eventTypeId}": {
      patch: {
        operationId: "updateTeamEventType",
        parameters: [auth, pathParam("orgId", num), pathParam("teamId", num), pathParam("eventTypeId", num)],
        requestBody: body(updateTeamEventType),
        responses: ok,
      },
      delete: {
        operationId: "deleteTeamEventType",
        parameters: [auth, pathParam("orgId", num), pathParam("teamId", num), pathParam("eventTypeId", num)],
        responses: ok,
      },
    },
  },
} as const;
