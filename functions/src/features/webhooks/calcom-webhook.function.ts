import { onRequest } from "firebase-functions/v2/https";
import { CALCOM_WEBHOOK_SECRET, CALCOM_API_KEY, CREDENTIALS_KEYRING } from "../../config/params.js";

/** `calcomWebhook`: receives Cal.com's booking webhooks (POST, `X-Cal-Signature-256`). */
export const calcomWebhook = onRequest({ secrets: [CALCOM_WEBHOOK_SECRET, CALCOM_API_KEY, CREDENTIALS_KEYRING] }, async (req, res) => {
  // Imported on the first request, not at start-up (cold start, BENCHMARKS.md).
  const [{ handleCalcomWebhook }, { getDependencies }] = await Promise.all([
    import("./calcom-webhook.endpoint.js"),
    import("../../composition-root.js"),
  ]);
  const out = await handleCalcomWebhook(req, getDependencies());
  res.status(out.status).json(out.body);
});
