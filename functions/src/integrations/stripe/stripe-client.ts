import Stripe from "stripe";

export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/**
 * One Stripe client per process: the pinned API version, explicit retries and timeout, and, for
 * the emulator and tests only, the API base of the Stripe stand-in (host/port/protocol).
 */
export function createStripeClient(cfg: { secretKey: string; apiBaseUrl: string | null; timeoutMs?: number }): Stripe {
  const base =
    cfg.apiBaseUrl === null
      ? {}
      : (() => {
          const url = new URL(cfg.apiBaseUrl);
          return {
            host: url.hostname,
            port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
            protocol: url.protocol.replace(":", "") as "http" | "https",
          };
        })();
  return new Stripe(cfg.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: cfg.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: "coachify-booking-backend", version: "0.1.0" },
    ...base,
  });
}
