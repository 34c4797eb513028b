/**
 * Runs the far-end stand-ins for `npm start`: Cal.com and Stripe when functions/.env.local points
 * at loopback (the local run then needs no Cal.com account), and always the FCM stand-in (5603)
 * and the mail catcher (SMTP 5604, viewer 5605), since FCM has no emulator and the Trigger Email
 * extension's stand-in (run-mail-extension.ts) sends there. Reads the organization ids and the key
 * the functions will use from functions/.env.local and functions/.secret.local. Stops on
 * SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FakeCalcom } from "./fake-calcom.server.js";
import { FakeFcm } from "./fake-fcm.server.js";
import { FakeStripe } from "./fake-stripe.server.js";
import { LOCAL_PORTS } from "./local-ports.js";
import { SmtpCatcher } from "./smtp-catcher.js";

function readEnvFile(name: string): Record<string, string> {
  const path = fileURLToPath(new URL(`../../${name}`, import.meta.url));
  if (!existsSync(path)) return {};
  const entries = readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const);
  return Object.fromEntries(entries);
}

const env = readEnvFile(".env.local");
const secrets = readEnvFile(".secret.local");
const calcomUrl = new URL(env.CALCOM_API_URL ?? "http://127.0.0.1:5601/v2");

const loopback = (url: URL) => url.hostname === "127.0.0.1" || url.hostname === "localhost";
const calcom = !loopback(calcomUrl)
  ? null
  : await FakeCalcom.start({
      port: Number(calcomUrl.port),
      ...(env.CALCOM_ORGANIZATION_ID ? { orgId: Number(env.CALCOM_ORGANIZATION_ID) } : {}),
      ...(env.CALCOM_TEAM_ID ? { teamId: Number(env.CALCOM_TEAM_ID) } : {}),
      ...(secrets.CALCOM_API_KEY ? { orgAdminKey: secrets.CALCOM_API_KEY } : {}),
    });
if (calcom)
  console.log(`[stand-in] Cal.com API v2 stand-in listening at ${calcom.url} (organization ${calcom.orgId}, team ${calcom.teamId})`);

const stripeUrl = env.STRIPE_API_BASE_URL ? new URL(env.STRIPE_API_BASE_URL) : null;
const stripe = stripeUrl && loopback(stripeUrl) ? await FakeStripe.start({ port: Number(stripeUrl.port) }) : null;
if (stripe) {
  // Stripe's events go to the emulated stripeWebhook, signed with the local webhook secret.
  const project = process.env.GCLOUD_PROJECT ?? "demo-coachify";
  const webhook = `http://127.0.0.1:5001/${project}/us-central1/stripeWebhook`;
  // Two endpoints, as at Stripe: the platform's and Connect's, each with its own secret.
  stripe.subscribe(webhook, secrets.STRIPE_WEBHOOK_SECRET ?? "", "platform");
  stripe.subscribe(webhook, secrets.STRIPE_CONNECT_WEBHOOK_SECRET ?? "", "connect");
  console.log(`[stand-in] Stripe API stand-in listening at ${stripe.url}, delivering events to ${webhook}`);
  console.log(`[stand-in] pay a Checkout Session: curl -X POST ${stripe.url}/__standin/checkout/sessions/<cs_test_…>/pay`);
}

const fcm = await FakeFcm.start({ port: LOCAL_PORTS.fcm });
console.log(`[stand-in] FCM stand-in listening at ${fcm.url} (push notifications; nothing reaches a device)`);
const mail = await SmtpCatcher.start({ smtpPort: LOCAL_PORTS.smtp, httpPort: LOCAL_PORTS.mailViewer });
console.log(`[stand-in] mail catcher: SMTP at ${mail.smtpUrl}, every message caught at ${mail.viewerUrl}`);

async function stop() {
  await calcom?.stop();
  await stripe?.stop();
  await fcm.stop();
  await mail.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
