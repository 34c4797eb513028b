import { z } from "zod";

// The anti-corruption layer: the Cal.com wire shapes we consume, parsed loosely (Cal.com adds
// fields freely) but strictly on what we read.

export function successEnvelope<T>(data: z.ZodType<T>) {
  return z.looseObject({ status: z.literal("success"), data });
}

/** Cal.com's error envelope, or Nest's default `{statusCode, message}`, normalised to {code, message}. */
export const CalcomErrorEnvelopeSchema = z.union([
  z
    .looseObject({ status: z.literal("error"), error: z.looseObject({ code: z.string(), message: z.string().optional() }) })
    .transform((e) => ({ code: e.error.code, message: e.error.message ?? null })),
  z
    .looseObject({ statusCode: z.number(), message: z.union([z.string(), z.array(z.string())]) })
    .transform((e) => ({ code: `HTTP_${e.statusCode}`, message: Array.isArray(e.message) ? e.message.join("; ") : e.message })),
]);

export const CalcomMeSchema = z.looseObject({
  id: z.number().int(),
  email: z.string(),
  username: z.string().nullable().optional(),
  timeZone: z.string().optional(),
  defaultScheduleId: z.number().int().nullable().optional(),
});

export const CalcomOrgUserSchema = z.looseObject({
  id: z.number().int(),
  email: z.string(),
  username: z.string().nullable().optional(),
  /** What we stored at create (the coach the user was made for); any shape from users made otherwise. */
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const CalcomDayNameSchema = z.enum(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);

export const CalcomScheduleSchema = z.looseObject({
  id: z.number().int(),
  ownerId: z.number().int().optional(),
  name: z.string(),
  timeZone: z.string(),
  isDefault: z.boolean(),
  availability: z.array(z.looseObject({ days: z.array(CalcomDayNameSchema), startTime: z.string(), endTime: z.string() })).optional(),
});

export const CalcomEventTypeSchema = z.looseObject({
  id: z.number().int(),
  slug: z.string(),
  title: z.string(),
  lengthInMinutes: z.number(),
});

export const CalcomMembershipSchema = z.looseObject({ id: z.number().int(), userId: z.number().int() });

/** `GET /v2/slots?format=range`: slots keyed by local date in the requested zone. */
export const CalcomSlotsSchema = z.record(z.string(), z.array(z.looseObject({ start: z.string(), end: z.string().optional() })));

export const CalcomBookingStatusSchema = z.enum(["accepted", "pending", "cancelled", "rejected", "awaiting_host"]);

export const CalcomBookingSchema = z.looseObject({
  id: z.number().int(),
  uid: z.string(),
  status: CalcomBookingStatusSchema,
  start: z.string(),
  end: z.string(),
  eventTypeId: z.number().int().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  rescheduledFromUid: z.string().nullable().optional(),
  rescheduledToUid: z.string().nullable().optional(),
  rescheduledByEmail: z.string().nullable().optional(),
  cancellationReason: z.string().nullable().optional(),
  cancelledByEmail: z.string().nullable().optional(),
  hosts: z.array(z.looseObject({ email: z.string().optional() })).optional(),
  attendees: z.array(z.looseObject({ email: z.string().optional(), absent: z.boolean().optional() })).optional(),
  absentHost: z.boolean().optional(),
  /** The video call link, or the location given (a link location is the URL itself); `meetingUrl` is its deprecated twin. */
  location: z.string().nullable().optional(),
  meetingUrl: z.string().nullable().optional(),
});
export type CalcomBooking = z.output<typeof CalcomBookingSchema>;

export const CalcomDeletedEventTypeSchema = z.looseObject({ id: z.number().int() });

/**
 * The `{ triggerEvent, createdAt, payload }` envelope Cal.com posts (version 2021-10-20), read
 * loosely: only the booking fields we correlate and decide on. `BOOKING_CONFIRMED` does not
 * exist in Cal.com (a confirmation is a BOOKING_CREATED); the brief names it, so it is accepted
 * as an alias. Other triggers are acknowledged and ignored.
 */
export const CALCOM_HANDLED_TRIGGERS = [
  "BOOKING_REQUESTED",
  "BOOKING_CREATED",
  "BOOKING_CONFIRMED",
  "BOOKING_CANCELLED",
  "BOOKING_RESCHEDULED",
  "BOOKING_REJECTED",
  "BOOKING_NO_SHOW_UPDATED",
  "MEETING_ENDED",
] as const;

/** The triggers we register our webhook for in a connected account (Cal.com's own names). */
export const CALCOM_WEBHOOK_TRIGGERS = [
  "BOOKING_REQUESTED",
  "BOOKING_CREATED",
  "BOOKING_CANCELLED",
  "BOOKING_RESCHEDULED",
  "BOOKING_REJECTED",
  "BOOKING_NO_SHOW_UPDATED",
  "MEETING_ENDED",
] as const;

/** A user-level webhook as `GET|POST|PATCH /v2/webhooks` answers it (the secret is never read). */
export const CalcomUserWebhookSchema = z.looseObject({
  id: z.number().int(),
  subscriberUrl: z.string(),
  triggers: z.array(z.string()),
  active: z.boolean(),
});

/**
 * Cal.com's meeting events (MEETING_ENDED) are flat: the booking row beside `triggerEvent`, with
 * `id` for the booking id and the booking's own `createdAt`; BOOKING_NO_SHOW_UPDATED names its
 * booking `bookingUid`. Both are read into the envelope the others use, with `payload.uid`.
 */
function normalisedDelivery(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null) return raw;
  const body = raw as Record<string, unknown>;
  if (body.payload === undefined && typeof body.uid === "string") {
    const { triggerEvent, createdAt, id, ...row } = body;
    return { triggerEvent, createdAt, payload: { ...row, ...(typeof id === "number" ? { bookingId: id } : {}) } };
  }
  const payload = body.payload as Record<string, unknown> | undefined;
  if (payload && payload.uid === undefined && typeof payload.bookingUid === "string")
    return { ...body, payload: { ...payload, uid: payload.bookingUid } };
  return body;
}

const CalcomEnvelopeSchema = z.looseObject({
  triggerEvent: z.string().min(1),
  createdAt: z.string().min(1),
  payload: z
    .looseObject({
      uid: z.string().min(1).optional(),
      bookingId: z.number().int().optional(),
      status: z.string().optional(),
      rescheduleUid: z.string().optional(),
      /** Who moved it (an email), when Cal.com says. */
      rescheduledBy: z.string().nullable().optional(),
      startTime: z.string().optional(),
      endTime: z.string().optional(),
      cancellationReason: z.string().nullable().optional(),
      rejectionReason: z.string().nullable().optional(),
      cancelledBy: z.string().nullable().optional(),
      organizer: z.looseObject({ email: z.string().optional() }).nullable().optional(),
      attendees: z
        .array(z.looseObject({ email: z.string().optional(), noShow: z.boolean().optional() }))
        .nullable()
        .optional(),
    })
    .default({}),
});
export const CalcomWebhookSchema = z.preprocess(normalisedDelivery, CalcomEnvelopeSchema);
export type CalcomWebhook = z.output<typeof CalcomWebhookSchema>;
