import { createTransport, type Transporter } from "nodemailer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SmtpCatcher } from "../stand-ins/smtp-catcher.js";

// The mail catcher behind `npm start`: real SMTP in (nodemailer, as the Trigger Email extension
// sends), parsed messages and a viewer out.

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//coachify//test//EN",
  "METHOD:REQUEST",
  "BEGIN:VEVENT",
  "UID:booking-b1@coachify",
  "SEQUENCE:0",
  "DTSTAMP:20261201T080000Z",
  "DTSTART:20261210T090000Z",
  "DTEND:20261210T100000Z",
  "SUMMARY:Coaching with Ada – 60 min",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

let catcher: SmtpCatcher;
let transport: Transporter;

beforeAll(async () => {
  catcher = await SmtpCatcher.start();
  transport = createTransport(catcher.smtpUrl);
});
afterAll(async () => {
  transport.close();
  await catcher.stop();
});
afterEach(() => {
  catcher.reset();
});

async function sendInvite(subject = "Session confirmed", html = "<p>See you <b>then</b></p>") {
  return transport.sendMail({
    from: "Coachify <no-reply@coachify.test>",
    to: ["student@example.com", "Coach <coach@example.com>"],
    subject,
    text: "See you then",
    html,
    headers: { "X-Coachify-Notification": "n-1" },
    attachments: [
      {
        filename: "invite.ics",
        content: Buffer.from(ICS, "utf8").toString("base64"),
        encoding: "base64",
        contentType: "text/calendar; charset=utf-8; method=REQUEST",
      },
    ],
  });
}

describe("the SMTP catcher", () => {
  it("keeps a message with its envelope, headers, parts and the decoded calendar file with its method", async () => {
    const info = await sendInvite();
    expect(info.accepted).toEqual(["student@example.com", "coach@example.com"]);
    const [mail] = await catcher.waitFor((all) => all.length === 1);
    expect(mail).toMatchObject({
      envelopeFrom: "no-reply@coachify.test",
      envelopeTo: ["student@example.com", "coach@example.com"],
      from: '"Coachify" <no-reply@coachify.test>',
      to: ["student@example.com", "coach@example.com"],
      subject: "Session confirmed",
      text: "See you then",
      html: "<p>See you <b>then</b></p>",
    });
    expect(mail?.headers["x-coachify-notification"]).toBe("n-1");
    expect(mail?.attachments).toEqual([{ filename: "invite.ics", contentType: "text/calendar", method: "REQUEST", content: ICS }]);
  });

  it("serves the list, the JSON, a message, its raw form and its attachment, escaping what it shows", async () => {
    await sendInvite("<script>alert(1)</script> & more", `<img src=x onerror="alert(2)">`);
    const [mail] = await catcher.waitFor((all) => all.length === 1);
    if (!mail) throw new Error("no message caught");

    const list = await fetch(`${catcher.viewerUrl}/`);
    expect(list.headers.get("content-type")).toMatch(/^text\/html/);
    const listHtml = await list.text();
    expect(listHtml).toContain(`href="/m/${mail.id}"`);
    expect(listHtml).toContain("&#60;script&#62;alert(1)&#60;/script&#62; &#38; more");
    expect(listHtml).not.toContain("<script>");

    const json = (await (await fetch(`${catcher.viewerUrl}/messages.json`)).json()) as { id: string }[];
    expect(json.map((m) => m.id)).toEqual([mail.id]);

    const pageHtml = await (await fetch(`${catcher.viewerUrl}/m/${mail.id}`)).text();
    expect(pageHtml).not.toContain("<script>");
    expect(pageHtml).not.toContain(`<img src=x`);
    expect(pageHtml).toContain(`<iframe sandbox srcdoc="&#60;img src=x onerror=&#34;alert(2)&#34;&#62;">`);
    expect(pageHtml).toContain(`href="/m/${mail.id}/a/0"`);

    const eml = await fetch(`${catcher.viewerUrl}/m/${mail.id}.eml`);
    expect(eml.headers.get("content-type")).toBe("message/rfc822");
    expect(await eml.text()).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/);

    const ics = await fetch(`${catcher.viewerUrl}/m/${mail.id}/a/0`);
    expect(ics.headers.get("content-type")).toBe("text/calendar");
    expect(await ics.text()).toBe(ICS);

    expect((await fetch(`${catcher.viewerUrl}/m/${mail.id}/a/1`)).status).toBe(404);
    expect((await fetch(`${catcher.viewerUrl}/m/nope`)).status).toBe(404);
  });

  it("lists the newest message first", async () => {
    await sendInvite("first");
    await sendInvite("second");
    await catcher.waitFor((all) => all.length === 2);
    const html = await (await fetch(`${catcher.viewerUrl}/`)).text();
    expect(html.indexOf("second")).toBeLessThan(html.indexOf("first"));
  });
});
