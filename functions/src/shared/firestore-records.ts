import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { CalcomWriteSchema } from "../ports/calcom-queue.port.js";

/*
 * The shapes of the server-only documents that have no domain type (bookings and coaches have
 * theirs in domain/). Each is the converter of its path in firestore-paths.ts, so what is stored
 * is what the schema allows and a read is parsed by it. No client rule matches any of these paths.
 */

/**
 * `coachCalendars/{coachId}`: the live (held or confirmed) intervals of one coach, across all of
 * their offerings, each kept until its after-buffer has run out (`busyUntilMs`). Every reservation reads and writes it in one transaction, so two bookings of a
 * coach can never overlap, whatever the concurrency.
 */
export const CoachCalendarSchema = z.object({
  intervals: z
    .array(
      z.object({
        bookingId: z.string(),
        /** The booking's student (absent on intervals written before the per-student cap). */
        userId: z.string().optional(),
        start: z.string(),
        end: z.string(),
        bufferBeforeMinutes: z.int().min(0).optional(),
        bufferAfterMinutes: z.int().min(0).optional(),
      }),
    )
    .default([]),
  /**
   * Goes up by one whenever an interval is given back (a cancellation, a released hold, a move):
   * the shared slot cache is fresh only while it has not moved since the fetch. Taking a slot
   * does not move it: every answer subtracts our live bookings anyway.
   */
  freedVersion: z.int().min(0).default(0),
});
export type CoachCalendar = z.output<typeof CoachCalendarSchema>;

/**
 * `studentHolds/{userId}`: the unpaid holds a student has made, read and written in the same
 * transaction as each reservation so that no burst of requests gets past the caps. Entries whose
 * booking is no longer an unpaid hold, or whose hold expired, stop counting.
 */
export const StudentHoldsSchema = z.object({
  holds: z.array(z.object({ bookingId: z.string(), coachId: z.string(), expiresAt: z.string() })).default([]),
});

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");

/**
 * A secret stored encrypted (core/credential-vault.ts): AES-256-GCM under its own data key, the
 * data key wrapped by Cloud KMS or the local keyring under `keyVersion`. Never the secret itself.
 */
export const SealedSecretSchema = z.object({
  alg: z.literal("AES-256-GCM"),
  ciphertext: base64,
  iv: base64.length(16),
  tag: base64.length(24),
  wrappedKey: base64.min(1),
  keyVersion: z.string().min(1).max(300),
});
export type SealedSecret = z.output<typeof SealedSecretSchema>;

/**
 * A coach's Cal.com API key as stored: sealed; a plain string is one stored before encryption,
 * read as it is and sealed on its first use or by reconciliation's re-wrap.
 */
const StoredApiKeySchema = z.union([SealedSecretSchema, z.string().min(1)]);

/** `calcomCredentials/{coachId}`: a coach's own Cal.com credential (connected-account mode); it is never logged. */
export const CalcomCredentialSchema = z.object({
  kind: z.literal("apiKey"),
  apiKey: StoredApiKeySchema,
  calcomUserId: z.int().positive(),
  connectedAt: z.instanceof(Timestamp),
  /** Our webhook in this account (registered at connect), null before that existed. */
  webhookId: z.int().positive().nullable().default(null),
  /** The secret Cal.com signs this coach's deliveries with (their own), null when none was registered with one. */
  webhookSecret: SealedSecretSchema.nullable().default(null),
});
export type CalcomCredential = z.output<typeof CalcomCredentialSchema>;

/**
 * `calcomUsers/{calcomUserId}`: a Cal.com user this backend created (organization mode) and the
 * coach it belongs to, written in the same transaction that gives the coach that user. A user
 * recorded for one coach is never given to another, and an organization member with no record is
 * never adopted: only the coach it was made for gets it back (a first sync whose answer was lost).
 */
export const CalcomUserRecordSchema = z.object({
  coachId: z.string().min(1),
  createdAt: z.instanceof(Timestamp),
});

/**
 * `calcomRetiredAccounts/{coachId}_{mode-calcomUserId}`: an account the coach has left. Its key
 * (connected mode) is kept, sealed as in the credential, so that a late call for one of its
 * bookings (a queued cancel, an orphan, a reconciliation read) still reaches the account it
 * lives in, and so that the event types we made there are removed until none is left.
 */
export const RetiredCalcomAccountSchema = z.object({
  coachId: z.string().min(1),
  mode: z.enum(["organization", "connected"]),
  calcomUserId: z.int().positive(),
  apiKey: StoredApiKeySchema.nullable(),
  retiredAt: z.instanceof(Timestamp),
  eventTypeIdsToRemove: z.array(z.int().positive()),
  /** Whether `eventTypeIdsToRemove` is not empty (what reconciliation queries). */
  removalPending: z.boolean(),
});
export type RetiredCalcomAccount = z.output<typeof RetiredCalcomAccountSchema>;

/**
 * `coaches/{coachId}/eventTypes/{offeringId}`: the recorded outcome of syncing one offering. An
 * offering has one current event type; a change of its length, its removal, or its re-adding
 * retires the current one (bookings keep the event type they were sold in) and the next
 * version gets an event type of its own.
 */
export const EventTypeRecordSchema = z.object({
  /** The current event type (when `deleted`, the last one, now retired). */
  eventTypeId: z.int().positive(),
  /** The Cal.com-relevant fields last applied, so an unchanged offering costs no Cal.com call. */
  specKey: z.string(),
  scheduleId: z.int().positive().nullable(),
  /** The offering is gone: it has no current event type. */
  deleted: z.boolean(),
  /** Which event type of the offering is current: its slug names it past the first. */
  version: z.int().min(1).default(1),
  /** Earlier event types still holding live bookings; each is deleted in Cal.com once none is left. */
  retired: z.array(z.object({ eventTypeId: z.int().positive() })).default([]),
  /** The highest version ever asked of Cal.com: a new one is always above it, never a slug used before. */
  highestVersion: z.int().min(1).nullable().default(null),
  /** A version being created: if its answer is lost and the offering goes another way, the next run finds it by slug and retires it. */
  creating: z.int().min(1).nullable().default(null),
});
export type EventTypeRecord = z.output<typeof EventTypeRecordSchema>;

/**
 * `eventTypeSyncs/{coachId}`: whether the coach's event types may be behind their offerings.
 * Every coach write counts up `wanted`; a sync that completes records the count it started from.
 * Reconciliation re-runs the syncs `behind` (a queue that gave up) and, a few at a time, those of
 * coaches who `keepsRetired` event types waiting for their last booking to end; least recently
 * touched first, so that none is starved.
 */
export const EventTypeSyncStateSchema = z.object({
  wanted: z.int().min(0).default(0),
  synced: z.int().min(0).default(0),
  behind: z.boolean().default(false),
  /** Retired event types still kept in Cal.com for their bookings. */
  retiredKept: z.int().min(0).default(0),
  keepsRetired: z.boolean().default(false),
  touchedAt: z.instanceof(Timestamp).nullable().default(null),
});

/** `slotCache/{coachId}_{hash}`: one shared answer of Cal.com's slots (see features/availability/slot-cache.ts). */
export const SlotCacheEntrySchema = z.object({
  slots: z.array(z.object({ start: z.string(), end: z.string() })).default([]),
  fetchedAtMs: z.number().nullable().default(null),
  freedVersion: z.number().nullable().default(null),
  claimUntilMs: z.number().nullable().default(null),
});
export type SlotCacheEntry = z.output<typeof SlotCacheEntrySchema>;

/**
 * `unfinishedCalcomWrites/{taskId}`: an orphan's cancellation whose last run failed. The queue
 * retries it for a while; if it gives up, reconciliation finds it here and enqueues it again
 * (Cal.com lists a booking as changed only once, so it would not be found again). Booking writes
 * and event-type syncs need no such record: reconciliation finds them from their own state.
 */
export const UnfinishedCalcomWriteSchema = z.object({ write: CalcomWriteSchema, code: z.string(), failedAt: z.instanceof(Timestamp) });

/**
 * `deletedUsers/{uid}`: an account deleted through `deleteMyAccount` or from Auth. It holds no
 * personal data: only when and how. While it exists, a booking write about this uid (a late
 * refund's notice, a reason from Cal.com) is followed by the same erasure, so nothing personal
 * comes back.
 */
export const DeletedUserSchema = z.object({
  deletedAt: z.instanceof(Timestamp),
  /** Who asked: the person, an admin for them, or an Auth deletion made elsewhere (the console). */
  via: z.enum(["self", "admin", "auth"]),
});

/**
 * `sessionAccess/{bookingId}`: what only the paying student of a live session may see (the
 * protected data): the video link Cal.com made for it and how to reach the coach. Readable by
 * `userId` alone (firestore.rules), written by functions when the booking is confirmed or moved,
 * deleted when it is cancelled or either account is deleted.
 */
export const SessionAccessSchema = z.object({
  bookingId: z.string().min(1),
  /** The booking's student: the only reader. */
  userId: z.string().min(1),
  coachId: z.string().min(1),
  /** Cal.com's link for the session (its `location`); null when it has none. */
  meetingUrl: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .nullable(),
  coachContact: z.object({ displayName: z.string().max(200).nullable(), email: z.string().max(320).nullable() }),
  updatedAt: z.instanceof(Timestamp),
});

/**
 * `users/{uid}/pushTokens/{tokenId}`: one device of the user, written by the user's own app
 * (firestore.rules hold it to these fields). The id is the app's choice (an installation id).
 */
export const PushTokenSchema = z.object({
  token: z.string().min(1).max(4_096),
  platform: z.enum(["web", "ios", "android"]).optional(),
});

/**
 * `mail/{notificationId}`: an email for the Trigger Email extension (firebase/firestore-send-email),
 * with its field names; the extension adds `delivery` (PENDING → PROCESSING → SUCCESS or ERROR)
 * and sends each document once. The fields after `message` are ours (the extension ignores
 * them): whose email it is, for export and erasure.
 */
export const MailDocumentSchema = z.object({
  to: z.array(z.string().min(3).max(320)).min(1),
  message: z.object({
    subject: z.string().min(1).max(998),
    text: z.string(),
    html: z.string(),
    attachments: z
      .array(
        z.object({
          filename: z.string().min(1),
          /** Base64: the extension's SendGrid path passes `content` on as it is, and SendGrid wants base64. */
          content: z.string(),
          encoding: z.literal("base64"),
          contentType: z.string().min(1),
        }),
      )
      .default([]),
  }),
  notificationId: z.string().min(1),
  recipientId: z.string().min(1),
  bookingId: z.string().min(1),
  createdAt: z.instanceof(Timestamp),
});
export type MailDocument = z.input<typeof MailDocumentSchema>;

/** `pushDeliveries/{notificationId}_{tokenId}`: one notification's push to one device, claimed before sending (a lease), then its outcome. */
export const PushDeliverySchema = z.object({
  notificationId: z.string().min(1),
  recipientId: z.string().min(1),
  state: z.enum(["sending", "sent", "pruned"]),
  leaseExpireTime: z.instanceof(Timestamp).nullable(),
  messageId: z.string().nullable(),
  /** Why the device was pruned (FCM's answer). */
  reason: z.string().nullable(),
  updatedAt: z.instanceof(Timestamp),
});
