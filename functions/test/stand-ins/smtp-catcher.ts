import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject, type HeaderLines, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { listenOnLoopback, type LoopbackServer } from "./loopback-server.js";

/**
 * A local mail catcher: a real SMTP server on 127.0.0.1 (no auth, no TLS) that keeps every message
 * it receives, parsed, and a small HTTP viewer of them. `npm start` runs it on 5604 (SMTP) and 5605
 * (viewer) behind the Trigger Email extension's stand-in; tests run it on free ports. Test and
 * local-run support only: never imported by production code.
 */

export interface CaughtAttachment {
  filename: string;
  contentType: string;
  /** The `method` parameter of a text/calendar part (REQUEST, CANCEL…), else null. */
  method: string | null;
  /** The content, decoded (transfer encoding undone), as UTF-8. */
  content: string;
}

export interface CaughtMail {
  id: string;
  receivedAt: string;
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Top-level headers, lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  attachments: CaughtAttachment[];
}

const DEFAULT_WAIT_MS = 10_000;

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((a) => a.address ?? "").filter((a) => a !== ""));
}

function headerRecord(lines: HeaderLines): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { key, line } of lines) {
    // A header line keeps its folding; the value is what follows the first colon, unfolded.
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    record[key] = key in record ? `${record[key]}, ${value}` : value;
  }
  return record;
}

function calendarMethod(contentTypeHeader: unknown): string | null {
  if (typeof contentTypeHeader !== "object" || contentTypeHeader === null || !("params" in contentTypeHeader)) return null;
  const params = (contentTypeHeader as { params: Record<string, string> }).params;
  return params.method ?? null;
}

function toCaught(parsed: ParsedMail, envelope: { from: string; to: string[] }): CaughtMail {
  return {
    id: randomBytes(6).toString("hex"),
    receivedAt: new Date().toISOString(),
    envelopeFrom: envelope.from,
    envelopeTo: envelope.to,
    from: parsed.from?.text ?? "",
    to: addresses(parsed.to),
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: typeof parsed.html === "string" ? parsed.html : "",
    headers: headerRecord(parsed.headerLines),
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? "",
      contentType: a.contentType,
      method: a.contentType === "text/calendar" ? calendarMethod(a.headers.get("content-type")) : null,
      content: a.content.toString("utf8"),
    })),
  };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:1.5rem}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}pre{white-space:pre-wrap}iframe{width:100%;height:28rem;border:1px solid #ccc}</style>
</head><body>${body}</body></html>`;
}

export class SmtpCatcher {
  readonly messages: CaughtMail[] = [];
  private readonly raw = new Map<string, Buffer>();
  private waiters = new Set<() => void>();
  private held: (() => void)[] | null = null;
  private smtp!: SMTPServer;
  private smtpPort = 0;
  private viewer!: LoopbackServer;

  static async start(opts: { smtpPort?: number; httpPort?: number } = {}): Promise<SmtpCatcher> {
    const catcher = new SmtpCatcher();
    catcher.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
          const to = session.envelope.rcptTo.map((r) => r.address);
          catcher
            .afterHold(() => catcher.receive(Buffer.concat(chunks), { from, to }))
            .then(
              () => {
                callback();
              },
              (err: unknown) => {
                callback(err instanceof Error ? err : new Error(String(err)));
              },
            );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      catcher.smtp.server.once("error", reject);
      catcher.smtp.listen(opts.smtpPort ?? 0, "127.0.0.1", () => {
        resolve();
      });
    });
    catcher.smtpPort = (catcher.smtp.server.address() as AddressInfo).port;
    catcher.viewer = await listenOnLoopback((req, res) => catcher.serve(req, res), opts.httpPort ?? 0);
    return catcher;
  }

  get smtpUrl(): string {
    return `smtp://127.0.0.1:${this.smtpPort}`;
  }

  get viewerUrl(): string {
    return `http://127.0.0.1:${this.viewer.port}`;
  }

  /** Resolves with every message once `predicate` holds for them; rejects after `timeoutMs`. */
  waitFor(predicate: (all: CaughtMail[]) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<CaughtMail[]> {
    if (predicate(this.messages)) return Promise.resolve([...this.messages]);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.messages)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve([...this.messages]);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`SmtpCatcher.waitFor: not met within ${timeoutMs} ms (${this.messages.length} messages caught)`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Holds every message's final SMTP answer (the sender waits) until `release()`: a slow mail server. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const go of held) go();
  }

  reset(): void {
    this.release();
    this.messages.length = 0;
    this.raw.clear();
  }

  async stop(): Promise<void> {
    this.release();
    await Promise.all([
      new Promise<void>((resolve) => {
        this.smtp.close(() => {
          resolve();
        });
      }),
      this.viewer.close(),
    ]);
  }

  private afterHold<T>(work: () => Promise<T>): Promise<T> {
    const held = this.held;
    if (held === null) return work();
    return new Promise<void>((resolve) => held.push(resolve)).then(work);
  }

  private async receive(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void> {
    const caught = toCaught(await simpleParser(raw), envelope);
    this.messages.push(caught);
    this.raw.set(caught.id, raw);
    for (const waiter of [...this.waiters]) waiter();
  }

  private serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://viewer").pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET") {
      send(405, "text/plain; charset=utf-8", "Method not allowed");
      return Promise.resolve();
    }
    if (path === "/") {
      send(200, "text/html; charset=utf-8", this.listPage());
    } else if (path === "/messages.json") {
      send(200, "application/json; charset=utf-8", JSON.stringify(this.messages));
    } else {
      const match = /^\/m\/([0-9a-f]+)(\.eml|\/a\/(\d+))?$/.exec(path);
      const mail = match ? this.messages.find((m) => m.id === match[1]) : undefined;
      if (!match || !mail) {
        send(404, "text/plain; charset=utf-8", "Not found");
      } else if (match[2] === ".eml") {
        send(200, "message/rfc822", this.raw.get(mail.id) ?? "");
      } else if (match[3] !== undefined) {
        const attachment = mail.attachments[Number(match[3])];
        if (attachment) send(200, attachment.contentType, attachment.content);
        else send(404, "text/plain; charset=utf-8", "Not found");
      } else {
        send(200, "text/html; charset=utf-8", this.messagePage(mail));
      }
    }
    return Promise.resolve();
  }

  private listPage(): string {
    const rows = [...this.messages]
      .reverse()
      .map(
        (m) =>
          `<tr><td>${escapeHtml(m.receivedAt)}</td><td>${escapeHtml(m.to.join(", "))}</td>` +
          `<td><a href="/m/${m.id}">${escapeHtml(m.subject || "(no subject)")}</a></td></tr>`,
      )
      .join("");
    return page(
      "Caught mail",
      `<h1>Caught mail (${this.messages.length})</h1><p><a href="/messages.json">messages.json</a></p>` +
        `<table><tr><th>received</th><th>to</th><th>subject</th></tr>${rows}</table>`,
    );
  }

  private messagePage(mail: CaughtMail): string {
    const headers = Object.entries(mail.headers)
      .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
      .join("");
    const attachments = mail.attachments
      .map(
        (a, n) =>
          `<li><a href="/m/${mail.id}/a/${n}">${escapeHtml(a.filename || `attachment ${n}`)}</a> ` +
          `(${escapeHtml(a.contentType)}${a.method === null ? "" : `, method ${escapeHtml(a.method)}`})</li>`,
      )
      .join("");
    // The message's HTML runs in a sandboxed frame (no scripts, no same origin), never in this page.
    const html = mail.html === "" ? "<p>(no HTML part)</p>" : `<iframe sandbox srcdoc="${escapeHtml(mail.html)}"></iframe>`;
    return page(
      mail.subject,
      `<p><a href="/">all messages</a> · <a href="/m/${mail.id}.eml">raw .eml</a></p>` +
        `<h1>${escapeHtml(mail.subject || "(no subject)")}</h1>` +
        `<p>envelope: ${escapeHtml(mail.envelopeFrom)} → ${escapeHtml(mail.envelopeTo.join(", "))}</p>` +
        `<table>${headers}</table><h2>Attachments</h2><ul>${attachments || "<li>none</li>"}</ul>` +
        `<h2>Text</h2><pre>${escapeHtml(mail.text)}</pre><h2>HTML</h2>${html}`,
    );
  }
}
