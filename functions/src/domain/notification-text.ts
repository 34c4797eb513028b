import { DateTime } from "luxon";
import { formatMoney } from "./money.js";
import type { Notification, SessionFacts } from "./notifications.js";

/** Who reads the message, and what they are shown by name. */
export interface Reader {
  role: "student" | "coach";
  /** The zone times are shown in. */
  timeZone: string;
  /** The other side, as the reader knows them: the coach's display name, the student's email. */
  otherParty: string;
  /** The offering's title ("60 min"), or its id when it is gone. */
  offeringTitle: string;
  /** The session's link, for a paid session only. */
  meetingUrl: string | null;
  /** Where the reader changes which messages they get. */
  preferencesUrl: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  pushTitle: string;
  pushBody: string;
}

/** "Monday 7 January 2030, 10:00–11:00 (Europe/Paris)": the session's time in the reader's zone. */
export function sessionWhen(session: Pick<SessionFacts, "startTime" | "endTime">, timeZone: string): string {
  const start = DateTime.fromISO(session.startTime, { zone: "utc" }).setZone(timeZone);
  const end = DateTime.fromISO(session.endTime, { zone: "utc" }).setZone(timeZone);
  const day = start.toFormat("cccc d LLLL yyyy", { locale: "en-GB" });
  const sameDay = start.hasSame(end, "day");
  const endText = sameDay ? end.toFormat("HH:mm") : end.toFormat("cccc d LLLL yyyy, HH:mm", { locale: "en-GB" });
  return `${day}, ${start.toFormat("HH:mm")}–${endText} (${timeZone})`;
}

/** "Monday 7 January 2030, 10:00 (Europe/Paris)". */
function instantWhen(instant: string, timeZone: string): string {
  const at = DateTime.fromISO(instant, { zone: "utc" }).setZone(timeZone);
  return `${at.toFormat("cccc d LLLL yyyy, HH:mm", { locale: "en-GB" })} (${timeZone})`;
}

function reminderLead(offsetMinutes: number): string {
  if (offsetMinutes % (24 * 60) === 0) {
    const days = offsetMinutes / (24 * 60);
    return days === 1 ? "24 hours" : `${days} days`;
  }
  if (offsetMinutes % 60 === 0) return offsetMinutes === 60 ? "1 hour" : `${offsetMinutes / 60} hours`;
  return `${offsetMinutes} minutes`;
}

/** The offset a reminder's kind names (`reminder-60m-…`). */
function reminderOffset(kind: string): number | null {
  const m = /^reminder-(\d+)m-/.exec(kind);
  return m ? Number(m[1]) : null;
}

/**
 * The words of a notification for its reader: the subject and the lines of the email (times in
 * the reader's zone, money in its currency's format), and a push's title and body. The in-app
 * `title`/`body` written with the notification carry the details only the moment knew (a
 * dispute's reason, a no-show's wording): they are kept as the email's last paragraph.
 */
export function renderNotification(n: Notification, reader: Reader): RenderedMessage {
  const s = n.session;
  const when = s ? sessionWhen(s, reader.timeZone) : null;
  const withWhom = reader.role === "student" ? `with ${reader.otherParty}` : `with ${reader.otherParty} (student)`;
  const what = s ? `${reader.offeringTitle} ${withWhom}` : "";
  const money = n.amount ? formatMoney(n.amount.amountCents, n.amount.currency) : null;
  let subject = n.title;
  const lines: string[] = [];
  switch (n.topic) {
    case "booking-confirmed":
      subject = `Booked: ${reader.offeringTitle}, ${when ?? ""}`;
      lines.push(`Your session ${what} is booked for ${when ?? "its time"}.`);
      if (s?.priceCents && reader.role === "student") lines.push(`Paid: ${formatMoney(s.priceCents, s.currency)}.`);
      break;
    case "booking-moved":
      // A move that was given up (no calendar file) is told in its own words: the session stays.
      if (n.calendar === null) {
        lines.push(`${n.title}: your session ${what} stays ${when ?? "as it was"}.`);
        break;
      }
      subject = `Moved: ${reader.offeringTitle}, now ${when ?? ""}`;
      lines.push(`Your session ${what} now takes place ${when ?? "at a new time"}.`);
      if (n.previousStartTime) lines.push(`It was to start ${instantWhen(n.previousStartTime, reader.timeZone)}.`);
      break;
    case "booking-cancelled":
      subject = `Cancelled: ${reader.offeringTitle}, ${when ?? ""}`;
      lines.push(`Your session ${what} on ${when ?? "its date"} is cancelled.`);
      if (reader.role === "student" && money !== null) lines.push(n.amount?.amountCents ? `Refund: ${money}.` : "No refund is due.");
      break;
    case "refund":
      subject = money ? `Refund sent: ${money}` : n.title;
      lines.push(money ? `${money} is on its way back to your payment method (banks take 5 to 10 days).` : n.title);
      break;
    case "payout":
      subject = money ? `${n.title}: ${money}` : n.title;
      if (s) lines.push(`Session: ${what}, ${when ?? ""}.`);
      break;
    case "reminder": {
      const lead = reminderLead(reminderOffset(n.kind) ?? 60);
      subject = `In ${lead}: ${reader.offeringTitle}, ${when ?? ""}`;
      lines.push(`Your session ${what} starts in ${lead}: ${when ?? ""}.`);
      break;
    }
    case "dispute":
    case "no-show":
    case "session-settled":
    case null:
      if (s) lines.push(`Session: ${what}, ${when ?? ""}.`);
      break;
  }
  const ownWords = n.topic === "booking-confirmed" || (n.topic === "booking-moved" && n.calendar !== null) || n.topic === "reminder";
  if (n.body !== "" && !ownWords) lines.push(n.body);
  if (reader.meetingUrl && ownWords) lines.push(`Join: ${reader.meetingUrl}`);
  const footer = `You get this message because of your session. Choose which messages you get: ${reader.preferencesUrl}`;
  // Only our own links are made clickable: a URL in text someone wrote (a coach's name, a reason) stays text.
  const ourLinks = [reader.meetingUrl, reader.preferencesUrl].filter((u): u is string => u !== null);
  const text = [...lines, "", footer].join("\n\n").replace(/\n{3,}/g, "\n\n");
  const html = [
    "<!doctype html><html><body>",
    ...lines.map((l) => `<p>${linkify(escapeHtml(l), ourLinks)}</p>`),
    `<p style="color:#666;font-size:12px">${linkify(escapeHtml(footer), ourLinks)}</p>`,
    "</body></html>",
  ].join("\n");
  return { subject: oneLine(subject), text, html, pushTitle: oneLine(subject), pushBody: lines[0] ?? n.body };
}

function oneLine(s: string): string {
  return s
    .replace(/\s+/g, " ")
    .replace(/[,:]\s*$/, "")
    .trim();
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Makes the given URLs clickable in escaped text (escaped alike, so the href holds no markup). */
function linkify(escaped: string, urls: readonly string[]): string {
  let out = escaped;
  for (const url of urls) {
    const safe = escapeHtml(url);
    out = out.split(safe).join(`<a href="${safe}">${safe}</a>`);
  }
  return out;
}
