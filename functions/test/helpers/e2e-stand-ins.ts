import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeFcm } from "../stand-ins/fake-fcm.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { LOCAL_MAIL_FROM, LOCAL_PORTS } from "../stand-ins/local-ports.js";
import { SendEmailExtension } from "../stand-ins/send-email-extension.js";
import { SmtpCatcher } from "../stand-ins/smtp-catcher.js";
import { getDb } from "../../src/shared/firestore.js";
import { initAdminFor } from "./admin.js";
import { functionsBaseUrl } from "./call-callable.js";

/** The webhook secret of functions/.secret.local.example, which the emulated stripeWebhook uses. */
export const LOCAL_STRIPE_WEBHOOK_SECRET = "whsec_standin_webhook_secret";
/** The Connect endpoint's secret of functions/.secret.local.example. */
const LOCAL_STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_standin_connect_webhook_secret";

export interface LocalStandIns {
  calcom: FakeCalcom;
  stripe: FakeStripe;
  fcm: FakeFcm;
  mail: SmtpCatcher;
  mailExtension: SendEmailExtension;
  /** Stops them all (the extension first, so that nothing is sent to a stopped catcher). */
  stop(): Promise<void>;
}

/**
 * The stand-ins where functions/.env.local points the emulated functions, as `npm start` runs
 * them: Cal.com on 5601 (with a rate limit no test reaches); Stripe on 5602, its signed events
 * delivered to stripeWebhook; FCM on 5603; the mail catcher on 5604 (SMTP) and 5605 (viewer),
 * fed by the Trigger Email extension's stand-in watching the emulator's `mail` collection of the
 * project the Functions emulator serves.
 */
export async function startLocalStandIns(): Promise<LocalStandIns> {
  initAdminFor(process.env.GCLOUD_PROJECT ?? "demo-coachify");
  const calcom = await FakeCalcom.start({ port: LOCAL_PORTS.calcom, rateLimit: { limit: 10_000, windowMs: 60_000, blockMs: 60_000 } });
  const stripe = await FakeStripe.start({ port: LOCAL_PORTS.stripe });
  stripe.subscribe(`${functionsBaseUrl()}/stripeWebhook`, LOCAL_STRIPE_WEBHOOK_SECRET, "platform");
  stripe.subscribe(`${functionsBaseUrl()}/stripeWebhook`, LOCAL_STRIPE_CONNECT_WEBHOOK_SECRET, "connect");
  const fcm = await FakeFcm.start({ port: LOCAL_PORTS.fcm });
  const mail = await SmtpCatcher.start({ smtpPort: LOCAL_PORTS.smtp, httpPort: LOCAL_PORTS.mailViewer });
  const mailExtension = await SendEmailExtension.start({ db: getDb(), smtpUrl: mail.smtpUrl, defaultFrom: LOCAL_MAIL_FROM });
  return {
    calcom,
    stripe,
    fcm,
    mail,
    mailExtension,
    stop: async () => {
      await mailExtension.stop();
      await Promise.all([calcom.stop(), stripe.stop(), fcm.stop(), mail.stop()]);
    },
  };
}
