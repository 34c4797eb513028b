import { readFileSync } from "node:fs";
import type { AppConfig } from "../../config/runtime-config.js";

export interface HealthReport {
  ok: true;
  service: string;
  version: string;
  node: string;
  emulator: boolean;
  /** Which far end each integration talks to; never the secret values themselves. */
  calcom: { baseUrl: string; apiKeyConfigured: boolean; webhookSecretConfigured: boolean };
  stripe: { apiBase: string; secretKeyConfigured: boolean; webhookSecretConfigured: boolean; connectWebhookSecretConfigured: boolean };
}

let version: string | undefined;

function packageVersion(): string {
  if (version === undefined) {
    const raw: unknown = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    version = typeof raw === "object" && raw !== null && "version" in raw && typeof raw.version === "string" ? raw.version : "0.0.0";
  }
  return version;
}

/** What a client or an operator needs to tell that the backend is up and wired as expected. */
export function healthReport(config: AppConfig): HealthReport {
  return {
    ok: true,
    service: "coachify-booking-backend",
    version: packageVersion(),
    node: process.version,
    emulator: config.isEmulator,
    calcom: {
      baseUrl: config.calcomApiUrl,
      apiKeyConfigured: config.calcomApiKey !== null,
      webhookSecretConfigured: config.calcomWebhookSecret !== null,
    },
    stripe: {
      apiBase: config.stripeApiBaseUrl ?? "https://api.stripe.com",
      secretKeyConfigured: config.stripeSecretKey !== null,
      webhookSecretConfigured: config.stripeWebhookSecret !== null,
      connectWebhookSecretConfigured: config.stripeConnectWebhookSecret !== null,
    },
  };
}
