/**
 * Runs the Trigger Email extension's stand-in for `npm start`: it watches the emulator's `mail`
 * collection and sends every message to the mail catcher (run-stand-ins.ts, SMTP 5604), where the
 * viewer on 5605 shows it. Only against the Firestore emulator (FIRESTORE_EMULATOR_HOST), for the
 * project in GCLOUD_PROJECT (default demo-coachify). Stops on SIGINT/SIGTERM.
 */
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { LOCAL_MAIL_FROM, LOCAL_PORTS } from "./local-ports.js";
import { SendEmailExtension } from "./send-email-extension.js";

const emulator = process.env.FIRESTORE_EMULATOR_HOST;
if (!emulator) {
  console.error("[mail] FIRESTORE_EMULATOR_HOST is not set: the Trigger Email stand-in runs only against the Firestore emulator.");
  process.exit(1);
}
const projectId = process.env.GCLOUD_PROJECT ?? "demo-coachify";
const smtpUrl = `smtp://127.0.0.1:${LOCAL_PORTS.smtp}`;

initializeApp({ projectId });
const extension = await SendEmailExtension.start({
  db: getFirestore(),
  smtpUrl,
  defaultFrom: LOCAL_MAIL_FROM,
  log: (line) => {
    console.log(line);
  },
});
console.log(`[mail] Trigger Email stand-in: mail/{id} of ${projectId} on ${emulator} → ${smtpUrl}`);

async function stop() {
  await extension.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
