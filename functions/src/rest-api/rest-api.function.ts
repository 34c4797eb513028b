import { onRequest } from "firebase-functions/v2/https";
import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY, CALCOM_WEBHOOK_SECRET } from "../config/params.js";

/** `api`: the brief's REST endpoints under /api (a Hosting rewrite sends /api/** here). */
export const api = onRequest(
  { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY, CALCOM_WEBHOOK_SECRET] },
  async (req, res) => {
    // Imported on the first request, not at start-up (cold start, BENCHMARKS.md).
    const [{ handleApiRequest }, { getDependencies }] = await Promise.all([
      import("./rest-api.endpoint.js"),
      import("../composition-root.js"),
    ]);
    const out = await handleApiRequest(req, getDependencies());
    res.status(out.status).json(out.body);
  },
);
