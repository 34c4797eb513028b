import { FieldValue, Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { createTransport, type SendMailOptions, type Transporter } from "nodemailer";
import { z } from "zod";

/**
 * A stand-in for the Trigger Email extension, firebase/firestore-send-email 0.2.8 (its
 * functions/src index.ts `processWrite`/`deliver`, validation.ts, prepare-payload.ts), for local
 * runs and tests, where the extension itself is not run (it would need the Extensions emulator
 * and a download). It watches the mail collection with `onSnapshot` instead of
 * `onDocumentWritten` and walks each document through the extension's `delivery` states with the
 * same field names and the same transactions:
 *   no `delivery` → `{startTime, state: "PENDING", attempts: 0, error: null}` (no send yet);
 *   PENDING or RETRY → PROCESSING with `leaseExpireTime` now + 60 s, claimed in a transaction, so
 *     of two instances only one sends;
 *   the claimer then re-reads the document and, still PROCESSING, validates and sends it through
 *     nodemailer (SMTP) with exactly the fields the extension passes, and records `attempts + 1`,
 *     `endTime`, `leaseExpireTime: null`, and SUCCESS with `info` or ERROR with `error`;
 *   PROCESSING whose lease expired, on any later write → ERROR "Message processing lease expired.";
 *   SUCCESS and ERROR are final (a client sets `delivery.state = "RETRY"` to send again).
 * A document whose `message` is not a map, with no `template` or `sendGrid`, is left untouched,
 * as the extension leaves it.
 *
 * Left out: templates (`template` is refused with an ERROR rather than sent unrendered),
 * SendGrid (`sendGrid` and `categories`, and the SendGrid HTTP transport), the TTL `expireAt`,
 * the extension's Eventarc events, OAuth2 SMTP. Test and local-run support only.
 */

const LEASE_MS = 60_000;
const LEASE_EXPIRED = "Message processing lease expired.";
const USERS_COLLECTION_MISSING = "Must specify a users collection to send using uids.";
const NO_RECIPIENT = "Failed to deliver email. Expected at least 1 recipient.";

class ValidationError extends Error {
  override name = "ValidationError";
}

const recipientsSchema = z.union([z.string(), z.array(z.string())]);
const uidsSchema = z.array(z.string().min(1));
const stringMap = z.record(z.string(), z.string());

// The attachment keys the extension keeps (any other key is dropped, as there).
const attachmentSchema = z.object({
  filename: z.string().nullish(),
  content: z.union([z.string(), z.instanceof(Buffer), z.instanceof(Uint8Array)]).nullish(),
  path: z.string().nullish(),
  href: z.string().nullish(),
  httpHeaders: stringMap.nullish(),
  contentType: z.string().nullish(),
  contentDisposition: z.string().nullish(),
  cid: z.string().nullish(),
  encoding: z.string().nullish(),
  headers: stringMap.nullish(),
  raw: z.string().nullish(),
});

const messageSchema = z
  .object({
    subject: z.string(),
    text: z.string().nullish(),
    html: z.string().nullish(),
    attachments: z.array(attachmentSchema).optional(),
  })
  .refine((m) => !!m.text || !!m.html, { message: "At least one of 'text' or 'html' must be provided in message" });

const payloadSchema = z
  .object({
    to: recipientsSchema.optional(),
    cc: recipientsSchema.optional(),
    bcc: recipientsSchema.optional(),
    toUids: uidsSchema.optional(),
    ccUids: uidsSchema.optional(),
    bccUids: uidsSchema.optional(),
    from: z.string().optional(),
    replyTo: z.string().optional(),
    headers: z.record(z.string(), z.unknown()).optional(),
    message: z.unknown(),
  })
  .refine((p) => [p.to, p.cc, p.bcc, p.toUids, p.ccUids, p.bccUids].some((f) => (Array.isArray(f) ? f.length > 0 : !!f)), {
    message: "Email must have at least one recipient",
  })
  .refine((p) => !!p.message, { message: "Email configuration must include either a 'message', 'template', or 'sendGrid' object" });

type Payload = z.infer<typeof payloadSchema>;

/** The extension's wording of a validation failure ("Invalid <context>: Field 'x' must be a string. …"). */
function validationMessage(error: z.ZodError, context: string, prefix: string[] = []): string {
  const issues = error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)].join(".") || context;
    if (issue.code === "invalid_type") {
      const expected = issue.expected === "object" ? "a map" : issue.expected === "array" ? "an array" : `a ${issue.expected}`;
      return `Field '${path}' must be ${expected}`;
    }
    if (issue.code === "invalid_union") return `Field '${path}' must be either a string or an array of strings`;
    if (issue.code === "too_small") return `Field '${path}' cannot be empty`;
    return issue.message;
  });
  return `Invalid ${context}: ${issues.join(". ")}`;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, context: string, prefix?: string[]): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(validationMessage(result.error, context, prefix));
  return result.data;
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

interface Delivery {
  state?: unknown;
  leaseExpireTime?: unknown;
}

export interface SendEmailExtensionOptions {
  db: Firestore;
  /** MAIL_COLLECTION (default "mail"). */
  collection?: string;
  /** SMTP_CONNECTION_URI, e.g. smtp://127.0.0.1:5604. */
  smtpUrl: string;
  /** DEFAULT_FROM. */
  defaultFrom: string;
  /** DEFAULT_REPLY_TO. */
  defaultReplyTo?: string;
  /** USERS_COLLECTION, where `toUids`/`ccUids`/`bccUids` are looked up (their `email` field). */
  usersCollection?: string;
  /** One line per delivery outcome (default: silent). */
  log?: (line: string) => void;
}

export class SendEmailExtension {
  private readonly inFlight = new Set<Promise<void>>();
  private unsubscribe: () => void = () => undefined;
  private readonly transport: Transporter;

  private constructor(private readonly options: SendEmailExtensionOptions) {
    this.transport = createTransport(options.smtpUrl);
  }

  /** Starts watching; resolves once the first snapshot of the collection has been handled. */
  static async start(options: SendEmailExtensionOptions): Promise<SendEmailExtension> {
    const extension = new SendEmailExtension(options);
    await new Promise<void>((resolve, reject) => {
      let first = true;
      extension.unsubscribe = options.db.collection(options.collection ?? "mail").onSnapshot(
        (snapshot) => {
          for (const change of snapshot.docChanges()) {
            if (change.type !== "removed") extension.track(extension.processWrite(change.doc.ref, change.doc.data()));
          }
          if (first) {
            first = false;
            resolve();
          }
        },
        (err) => {
          extension.log(`listening failed: ${err.message}`);
          if (first) reject(err);
        },
      );
    });
    return extension;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.transport.close();
  }

  private log(line: string): void {
    this.options.log?.(`[mail] ${line}`);
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((err: unknown) => {
        // The extension logs an unhandled error and leaves the document as it is.
        this.log(`unhandled error: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** The extension's processWrite: one step of the delivery state machine per write. */
  private async processWrite(ref: DocumentReference, after: Record<string, unknown>): Promise<void> {
    const seen = after.delivery as Delivery | undefined;
    if (seen?.state === "SUCCESS" || seen?.state === "ERROR") return;
    const { db } = this.options;
    const claimed = await db.runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      if (!snapshot.exists) return false;
      const payload = snapshot.data() ?? {};
      // The extension's own test (a null `message` passes it too).
      if (typeof payload.message !== "object" && !payload.template && typeof payload.sendGrid !== "object") return false;
      const delivery = (payload.delivery ?? null) as Delivery | null;
      if (delivery === null) {
        tx.update(ref, { delivery: { startTime: Timestamp.fromDate(new Date()), state: "PENDING", attempts: 0, error: null } });
        return false;
      }
      if (delivery.state === "PROCESSING") {
        const lease = delivery.leaseExpireTime;
        if (lease instanceof Timestamp && lease.toMillis() < Date.now()) {
          tx.update(ref, { "delivery.state": "ERROR", "delivery.error": LEASE_EXPIRED });
        }
        return false;
      }
      if (delivery.state === "PENDING" || delivery.state === "RETRY") {
        tx.update(ref, { "delivery.state": "PROCESSING", "delivery.leaseExpireTime": Timestamp.fromMillis(Date.now() + LEASE_MS) });
        return true;
      }
      return false;
    });
    if (claimed) await this.deliver(ref);
  }

  /** The extension's deliver: sends a document still PROCESSING and records the outcome. */
  private async deliver(ref: DocumentReference): Promise<void> {
    const snapshot = await ref.get();
    const payload = snapshot.data();
    if (!payload || (payload.delivery as Delivery | undefined)?.state !== "PROCESSING") return;
    const update: Record<string, unknown> = {
      "delivery.attempts": FieldValue.increment(1),
      "delivery.endTime": FieldValue.serverTimestamp(),
      "delivery.error": null,
      "delivery.leaseExpireTime": null,
    };
    try {
      const mail = await this.mailOptions(payload);
      const result = (await this.transport.sendMail(mail)) as {
        messageId?: string;
        accepted?: unknown[];
        rejected?: unknown[];
        pending?: unknown[];
        response?: string;
      };
      update["delivery.state"] = "SUCCESS";
      update["delivery.info"] = {
        messageId: result.messageId ?? null,
        sendgridQueueId: null,
        accepted: (result.accepted ?? []).map(String),
        rejected: (result.rejected ?? []).map(String),
        pending: (result.pending ?? []).map(String),
        response: result.response ?? null,
      };
      this.log(`${ref.id} SUCCESS to ${list(mail.to as string[]).join(", ")}: ${mail.subject ?? ""}`);
    } catch (err) {
      update["delivery.state"] = "ERROR";
      update["delivery.error"] = String(err);
      this.log(`${ref.id} ERROR ${String(err)}`);
    }
    // As in the extension: the outcome of the attempt is recorded whatever the state is now.
    await this.options.db.runTransaction((tx) => {
      tx.update(ref, update);
      return Promise.resolve();
    });
  }

  /** validatePayload + preparePayload, then the fields the extension hands to nodemailer. */
  private async mailOptions(doc: Record<string, unknown>): Promise<SendMailOptions> {
    if (doc.template !== undefined) throw new ValidationError("Templates are not supported by the Trigger Email stand-in");
    if (doc.sendGrid !== undefined) throw new ValidationError("SendGrid options are not supported by the Trigger Email stand-in");
    const message =
      isRecord(doc.message) && Object.keys(doc.message).length > 0
        ? parseOrThrow(messageSchema, doc.message, "message configuration", ["message"])
        : undefined;
    const payload: Payload = parseOrThrow(payloadSchema, doc, "email configuration");
    const to = list(payload.to);
    const cc = list(payload.cc);
    const bcc = list(payload.bcc);
    if (payload.toUids || payload.ccUids || payload.bccUids) {
      const emails = await this.emailsOf([...(payload.toUids ?? []), ...(payload.ccUids ?? []), ...(payload.bccUids ?? [])]);
      const found = (uids: string[] | undefined) => (uids ?? []).flatMap((uid) => emails.get(uid) ?? []);
      to.push(...found(payload.toUids));
      cc.push(...found(payload.ccUids));
      bcc.push(...found(payload.bccUids));
    }
    if (to.length === 0 && cc.length === 0 && bcc.length === 0) throw new Error(NO_RECIPIENT);
    const attachments = message?.attachments?.filter((a) => Object.keys(a).length > 0);
    return {
      from: payload.from || this.options.defaultFrom,
      replyTo: payload.replyTo || this.options.defaultReplyTo,
      to,
      cc,
      bcc,
      subject: message?.subject,
      text: message?.text ?? undefined,
      html: message?.html ?? undefined,
      headers: payload.headers as SendMailOptions["headers"],
      attachments: attachments as SendMailOptions["attachments"],
    };
  }

  private async emailsOf(uids: string[]): Promise<Map<string, string>> {
    const { db, usersCollection } = this.options;
    if (!usersCollection) throw new Error(USERS_COLLECTION_MISSING);
    const unique = [...new Set(uids)];
    const docs = await db.getAll(...unique.map((uid) => db.collection(usersCollection).doc(uid)), { fieldMask: ["email"] });
    const emails = new Map<string, string>();
    for (const doc of docs) {
      const email: unknown = doc.get("email");
      if (typeof email === "string" && email !== "") emails.set(doc.id, email);
    }
    return emails;
  }
}
