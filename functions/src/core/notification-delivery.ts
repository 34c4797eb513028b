import { Timestamp } from "firebase-admin/firestore";
import { createHash } from "node:crypto";
import { calendarInvite } from "../domain/calendar-invite.js";
import { CoachSchema } from "../domain/coach.js";
import { errorCodeOf } from "../domain/errors.js";
import { renderNotification, type Reader, type RenderedMessage } from "../domain/notification-text.js";
import { channelsFor, type Notification, type NotificationPreferences } from "../domain/notifications.js";
import type { Dependencies } from "../ports/dependencies.js";
import type { PushMessage } from "../ports/push.port.js";
import { MailDocumentSchema, PushDeliverySchema, PushTokenSchema, type MailDocument } from "../shared/firestore-records.js";
import {
  deletedUserDoc,
  getDb,
  mailDoc,
  notificationDoc,
  notificationPreferencesDoc,
  pushDeliveryDoc,
  pushTokensCollection,
  rawCoachDoc,
  sessionAccessDoc,
} from "../shared/firestore.js";
import { log } from "../shared/logger.js";

/** How long a claimed push may take before another run may send it again (as the extension's lease for emails). */
const PUSH_LEASE_MS = 60_000;
/** Firestore's answer to `create()` of a document that exists. */
const ALREADY_EXISTS = 6;

export interface DeliveryOutcome {
  email: "queued" | "already-queued" | "off" | "no-address" | "none";
  /** Devices sent to in this run, and devices pruned (FCM no longer knows them). */
  pushed: number;
  pruned: number;
}

/**
 * Delivers a notification on the recipient's channels: one document in the Trigger Email
 * extension's `mail` collection (its id is the notification's: created once, whatever the
 * retries), and one push per registered device (each claimed before it is sent, recorded once
 * sent). Devices FCM no longer knows are pruned. A push that failed for a reason that may pass
 * is thrown after the others were tried, so the trigger runs again and sends only what is left.
 */
export async function deliverNotification(notificationId: string, deps: Dependencies): Promise<DeliveryOutcome> {
  const n = (await notificationDoc(notificationId).get()).data();
  if (!n || n.topic === null || n.session === null) return { email: "none", pushed: 0, pruned: 0 };
  const [prefsSnap, deleted] = await Promise.all([notificationPreferencesDoc(n.recipientId).get(), deletedUserDoc(n.recipientId).get()]);
  if (deleted.exists) return { email: "none", pushed: 0, pruned: 0 };
  const prefs = prefsSnap.data();
  const channels = channelsFor(prefs, n.topic);
  if (!channels.email && !channels.push) return { email: "off", pushed: 0, pruned: 0 };
  const context = await readContext(n, prefs, deps);
  const rendered = renderNotification(n, context.reader);
  const email = channels.email ? await queueEmail(notificationId, n, rendered, context, deps) : "off";
  const push = channels.push ? await pushToDevices(notificationId, n, rendered, deps) : { pushed: 0, pruned: 0, failure: null };
  log.info("notification.delivered", { notificationId, topic: n.topic, email, pushed: push.pushed, pruned: push.pruned });
  if (push.failure !== null) throw push.failure;
  return { email, pushed: push.pushed, pruned: push.pruned };
}

interface Context {
  reader: Reader;
  recipientEmail: string | null;
  coach: { name: string | null; email: string | null };
  studentEmail: string | null;
}

/** A party's address, or null when they have none or deleted their account (an erased person is named nowhere again). */
async function emailOrNull(uid: string, deps: Dependencies): Promise<string | null> {
  if ((await deletedUserDoc(uid).get()).exists) return null;
  try {
    return await deps.emailOf(uid);
  } catch (err) {
    log.warn("notification.no-address", { uid, code: errorCodeOf(err) });
    return null;
  }
}

/**
 * What an email says of the coach, read leniently: a coach document the schema refuses (a zone
 * the rules let through but Luxon does not know) still lets both parties be told, in the
 * student's zone.
 */
async function coachProfile(coachId: string): Promise<{ displayName?: string; timeZone?: string; offeringTitles: Map<string, string> }> {
  const raw = (await rawCoachDoc(coachId).get()).data();
  const parsed = CoachSchema.safeParse(raw ?? {});
  if (parsed.success) {
    const { displayName, timeZone, customOfferings } = parsed.data;
    return { ...(displayName ? { displayName } : {}), timeZone, offeringTitles: new Map(customOfferings.map((o) => [o.id, o.title])) };
  }
  if (raw) log.warn("notification.coach-unreadable", { coachId, issue: parsed.error.issues[0]?.message ?? "" });
  const displayName: unknown = raw?.displayName;
  return { ...(typeof displayName === "string" && displayName !== "" ? { displayName } : {}), offeringTitles: new Map() };
}

async function readContext(n: Notification, prefs: NotificationPreferences | undefined, deps: Dependencies): Promise<Context> {
  const session = n.session;
  if (session === null) throw new Error("a delivered notification has its session");
  const role = n.recipientId === session.coachId ? "coach" : "student";
  const [coach, coachEmail, studentEmail, access] = await Promise.all([
    coachProfile(session.coachId),
    emailOrNull(session.coachId, deps),
    emailOrNull(session.studentId, deps),
    n.meetingUrl === null && n.topic === "reminder"
      ? sessionAccessDoc(n.bookingId)
          .get()
          .then((s) => s.data())
      : Promise.resolve(undefined),
  ]);
  const coachName = coachEmail === null ? null : (coach.displayName ?? null);
  const reader: Reader = {
    role,
    timeZone: prefs?.timeZone ?? (role === "coach" ? coach.timeZone : session.studentTimeZone) ?? "UTC",
    otherParty: role === "student" ? (coachName ?? "your coach") : (studentEmail ?? "your student"),
    offeringTitle: coach.offeringTitles.get(session.offeringId) ?? "Session",
    meetingUrl: n.meetingUrl ?? access?.meetingUrl ?? null,
    preferencesUrl: `${deps.config.appUrl}/settings/notifications`,
  };
  return {
    reader,
    recipientEmail: role === "coach" ? coachEmail : studentEmail,
    coach: { name: coachName, email: coachEmail },
    studentEmail,
  };
}

async function queueEmail(
  notificationId: string,
  n: Notification,
  rendered: RenderedMessage,
  context: Context,
  deps: Dependencies,
): Promise<DeliveryOutcome["email"]> {
  if (context.recipientEmail === null) return "no-address";
  const attachments: MailDocument["message"]["attachments"] = [];
  const invite = calendarFile(n, rendered, context, deps);
  if (invite) attachments.push(invite);
  const mail: MailDocument = {
    to: [context.recipientEmail],
    message: { subject: rendered.subject, text: rendered.text, html: rendered.html, attachments },
    notificationId,
    recipientId: n.recipientId,
    bookingId: n.bookingId,
    createdAt: Timestamp.fromDate(deps.now()),
  };
  try {
    await mailDoc(notificationId).create(MailDocumentSchema.parse(mail));
    return "queued";
  } catch (err) {
    if ((err as { code?: unknown }).code === ALREADY_EXISTS) return "already-queued";
    throw err;
  }
}

function calendarFile(n: Notification, rendered: RenderedMessage, context: Context, deps: Dependencies) {
  const session = n.session;
  if (n.calendar === null || session === null || context.coach.email === null || context.studentEmail === null) return null;
  const invite = calendarInvite({
    bookingId: n.bookingId,
    uidDomain: new URL(deps.config.appUrl).hostname,
    session,
    cancelled: n.calendar === "cancel",
    summary: `${context.reader.offeringTitle}: ${context.coach.name ?? "coaching"} session`,
    description: rendered.text,
    organizer: { name: context.coach.name, email: context.coach.email },
    attendee: { name: null, email: context.studentEmail },
    meetingUrl: context.reader.meetingUrl,
    stamp: new Date(n.createdAt),
  });
  return {
    filename: invite.method === "CANCEL" ? "cancelled.ics" : "invite.ics",
    content: Buffer.from(invite.content, "utf8").toString("base64"),
    encoding: "base64" as const,
    contentType: `text/calendar; charset=utf-8; method=${invite.method}`,
  };
}

async function pushToDevices(
  notificationId: string,
  n: Notification,
  rendered: RenderedMessage,
  deps: Dependencies,
): Promise<{ pushed: number; pruned: number; failure: Error | null }> {
  const devices = await pushTokensCollection(n.recipientId).get();
  if (devices.empty) return { pushed: 0, pruned: 0, failure: null };
  const sender = await deps.push();
  const message: PushMessage = {
    title: rendered.pushTitle,
    body: rendered.pushBody,
    data: { notificationId, bookingId: n.bookingId, topic: n.topic ?? "", kind: n.kind },
  };
  let pushed = 0;
  let pruned = 0;
  let failure: Error | null = null;
  for (const device of devices.docs) {
    const parsed = PushTokenSchema.safeParse(device.data());
    if (!parsed.success) continue;
    const marker = pushDeliveryDoc(pushDeliveryId(notificationId, device.id));
    try {
      const claim = await claimPush(marker, notificationId, n.recipientId, deps.now());
      if (claim === "done") continue;
      if (claim === "busy") {
        // Another run holds it: it may have died. Fail, so the platform runs this again after the lease.
        failure = new Error(`the push to device ${device.id} is claimed by another run`);
        continue;
      }
      const outcome = await sender.send(parsed.data.token, message);
      const done = { notificationId, recipientId: n.recipientId, leaseExpireTime: null, updatedAt: Timestamp.fromDate(deps.now()) };
      if (outcome.kind === "sent") {
        await marker.set(PushDeliverySchema.parse({ ...done, state: "sent", messageId: outcome.messageId, reason: null }));
        pushed++;
      } else {
        const reason = outcome.kind === "invalid" ? outcome.reason : "unregistered";
        await device.ref.delete();
        await marker.set(PushDeliverySchema.parse({ ...done, state: "pruned", messageId: null, reason }));
        log.info("push.token-pruned", { uid: n.recipientId, tokenId: device.id, reason: outcome.kind });
        pruned++;
      }
    } catch (err) {
      // Not sent: the claim is given back, so the trigger's next run sends it.
      await marker.delete().catch(() => undefined);
      log.warn("push.failed", { notificationId, tokenId: device.id, code: errorCodeOf(err) });
      failure = err instanceof Error ? err : new Error(`push failed: ${errorCodeOf(err)}`);
    }
  }
  return { pushed, pruned, failure };
}

/** The push record's id: the device id is the app's choice (any length the rules allow), so it is hashed to keep the id short. */
export function pushDeliveryId(notificationId: string, tokenId: string): string {
  return `${notificationId}_${createHash("sha256").update(tokenId).digest("hex").slice(0, 32)}`;
}

/**
 * Claims one push for this run: none yet, or a claim whose lease ran out (its run died before
 * recording an outcome). `done`: sent or pruned already; `busy`: another run's claim is live.
 */
async function claimPush(
  marker: ReturnType<typeof pushDeliveryDoc>,
  notificationId: string,
  recipientId: string,
  now: Date,
): Promise<"claimed" | "done" | "busy"> {
  return getDb().runTransaction(async (tx) => {
    const seen = await tx.get(marker);
    const lease = seen.get("leaseExpireTime") as Timestamp | null | undefined;
    if (seen.exists && seen.get("state") !== "sending") return "done";
    if (seen.exists && lease && lease.toMillis() > now.getTime()) return "busy";
    tx.set(
      marker,
      PushDeliverySchema.parse({
        notificationId,
        recipientId,
        state: "sending",
        leaseExpireTime: Timestamp.fromMillis(now.getTime() + PUSH_LEASE_MS),
        messageId: null,
        reason: null,
        updatedAt: Timestamp.fromDate(now),
      }),
    );
    return "claimed" as const;
  });
}
