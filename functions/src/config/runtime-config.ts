import { z } from "zod";
import { DEFAULT_MAX_UPCOMING_PER_STUDENT } from "../domain/limits.js";
import {
  APP_URL,
  CALCOM_API_KEY,
  CALCOM_API_URL,
  CALCOM_ORGANIZATION_ID,
  CALCOM_TEAM_ID,
  CALCOM_WEBHOOK_SECRET,
  CALCOM_WEBHOOK_URL,
  MAX_UPCOMING_SESSIONS_PER_STUDENT,
  STRIPE_API_BASE_URL,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
} from "./params.js";

const optionalId = z
  .string()
  .regex(/^\d*$/, "must be a Cal.com numeric id or empty")
  .transform((v) => (v === "" ? null : Number(v)));

const optionalSecret = z.string().transform((v) => (v.trim() === "" ? null : v.trim()));

const AppConfigSchema = z.object({
  calcomApiKey: optionalSecret,
  calcomWebhookSecret: optionalSecret,
  stripeSecretKey: optionalSecret,
  stripeWebhookSecret: optionalSecret,
  calcomOrganizationId: optionalId,
  calcomTeamId: optionalId,
  calcomApiUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")),
  /** Where connected accounts' webhooks point (our calcomWebhook); null when not set. */
  calcomWebhookUrl: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).transform((u) => (u === "" ? null : u)),
  /** Null unless set and we run under the emulator or tests: a stray variable must not redirect payments. */
  stripeApiBaseUrl: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).transform((u) => (u === "" ? null : u)),
  appUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")),
  /** Upcoming sessions one student may have with one coach (0, as read outside a deployment: the default). */
  maxUpcomingPerStudent: z
    .int()
    .min(0)
    .transform((n) => (n === 0 ? DEFAULT_MAX_UPCOMING_PER_STUDENT : n)),
  isEmulator: z.boolean(),
});
export type AppConfig = Readonly<z.output<typeof AppConfigSchema>>;

let cached: AppConfig | undefined;

function readSecret(secret: { value(): string }): string {
  // A secret that the function did not declare, or that is unset, reads as "" here.
  try {
    return secret.value();
  } catch {
    return "";
  }
}

export function isEmulatorOrTest(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FUNCTIONS_EMULATOR === "true" || env.VITEST === "true";
}

/** Parses parameters into a frozen AppConfig on first use; a bad value fails with its key name. */
export function getConfig(): AppConfig {
  if (cached) return cached;
  const isEmulator = isEmulatorOrTest();
  const parsed = AppConfigSchema.parse({
    calcomApiKey: readSecret(CALCOM_API_KEY),
    calcomWebhookSecret: readSecret(CALCOM_WEBHOOK_SECRET),
    stripeSecretKey: readSecret(STRIPE_SECRET_KEY),
    stripeWebhookSecret: readSecret(STRIPE_WEBHOOK_SECRET),
    calcomApiUrl: CALCOM_API_URL.value(),
    calcomWebhookUrl: CALCOM_WEBHOOK_URL.value().trim(),
    calcomOrganizationId: CALCOM_ORGANIZATION_ID.value().trim(),
    calcomTeamId: CALCOM_TEAM_ID.value().trim(),
    stripeApiBaseUrl: isEmulator ? STRIPE_API_BASE_URL.value() : "",
    appUrl: APP_URL.value(),
    maxUpcomingPerStudent: MAX_UPCOMING_SESSIONS_PER_STUDENT.value(),
    isEmulator,
  });
  cached = Object.freeze(parsed);
  return cached;
}
