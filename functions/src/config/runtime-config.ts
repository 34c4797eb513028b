import { z } from "zod";
import { DEFAULT_MAX_UPCOMING_PER_STUDENT } from "../domain/abuse-defaults.js";
import { parseReminderOffsets } from "../domain/notifications.js";
import { FeeScheduleSchema, parseFeePercent, parseFixedFees } from "../domain/payouts.js";
import {
  APP_URL,
  CALCOM_API_KEY,
  CALCOM_API_URL,
  CALCOM_ORGANIZATION_ID,
  CALCOM_TEAM_ID,
  CALCOM_WEBHOOK_SECRET,
  CALCOM_WEBHOOK_URL,
  MAX_UPCOMING_SESSIONS_PER_STUDENT,
  COMPLETION_GRACE_HOURS,
  FCM_API_URL,
  PAYOUT_HOLD_HOURS,
  PLATFORM_FEE_FIXED,
  PLATFORM_FEE_PERCENT,
  REMINDER_OFFSETS_MINUTES,
  CREDENTIALS_KEY_VERSION,
  CREDENTIALS_KEYRING,
  CREDENTIALS_KMS_KEY,
  STRIPE_API_BASE_URL,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
  STRIPE_CONNECT_WEBHOOK_SECRET,
} from "./params.js";

const optionalId = z
  .string()
  .regex(/^\d*$/, "must be a Cal.com numeric id or empty")
  .transform((v) => (v === "" ? null : Number(v)));

const optionalSecret = z.string().transform((v) => (v.trim() === "" ? null : v.trim()));

/** `CREDENTIALS_KEYRING`: `<version>:<base64 of a 32-byte key>`, comma-separated; empty: none. */
const KeyringSchema = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ""),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(/^[1-9]\d{0,5}:[A-Za-z0-9+/]{43}=$/, "each entry must be <version>:<base64 of 32 bytes>")
        .transform((entry) => {
          const [version, key] = entry.split(":") as [string, string];
          return [Number(version), Buffer.from(key, "base64")] as const;
        }),
    ),
  )
  .transform((entries) => new Map<number, Buffer>(entries))
  .refine((keys) => keys.size === 0 || [...keys.values()].every((k) => k.length === 32), "every key must be 32 bytes");

const AppConfigSchema = z.object({
  calcomApiKey: optionalSecret,
  calcomWebhookSecret: optionalSecret,
  stripeSecretKey: optionalSecret,
  stripeWebhookSecret: optionalSecret,
  /** The Connect endpoint's signing secret: a Connect event (one naming an `account`) is accepted only under it. */
  stripeConnectWebhookSecret: optionalSecret,
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
  /** Hours after a session's end before it is completed (0 completes at the end). */
  completionGraceHours: z
    .int()
    .min(0)
    .max(24 * 30),
  /** Minutes before a session when its reminders go out, largest first (REMINDER_OFFSETS_MINUTES). */
  reminderOffsetsMinutes: z.string().transform((text, ctx) => {
    try {
      return parseReminderOffsets(text);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** Hours a settled session's money waits before it goes to the coach. */
  payoutHoldHours: z
    .int()
    .min(0)
    .max(24 * 90),
  /** The platform's fee schedule (PLATFORM_FEE_PERCENT, PLATFORM_FEE_FIXED). */
  platformFee: z.object({ percent: z.string(), fixed: z.string() }).transform((v, ctx) => {
    try {
      return FeeScheduleSchema.parse({ basisPoints: parseFeePercent(v.percent), fixedCents: Object.fromEntries(parseFixedFees(v.fixed)) });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** Null unless set and we run under the emulator or tests: pushes go to FCM itself otherwise. */
  fcmApiUrl: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).transform((u) => (u === "" ? null : u)),
  isEmulator: z.boolean(),
  /** The local key-encryption keys of coach credentials by version (empty when KMS is used or none is set). */
  credentialsKeyring: KeyringSchema,
  /** The keyring version that wraps new writes; null: the highest listed. */
  credentialsKeyVersion: z
    .string()
    .regex(/^\d*$/, "must be a keyring version number or empty")
    .transform((v) => (v === "" ? null : Number(v))),
  /** The Cloud KMS CryptoKey that wraps credentials' data keys in production; null: the local keyring. */
  credentialsKmsKey: z
    .union([z.literal(""), z.string().regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/)])
    .transform((v) => (v === "" ? null : v)),
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
    stripeConnectWebhookSecret: readSecret(STRIPE_CONNECT_WEBHOOK_SECRET),
    calcomApiUrl: CALCOM_API_URL.value(),
    calcomWebhookUrl: CALCOM_WEBHOOK_URL.value().trim(),
    calcomOrganizationId: CALCOM_ORGANIZATION_ID.value().trim(),
    calcomTeamId: CALCOM_TEAM_ID.value().trim(),
    stripeApiBaseUrl: isEmulator ? STRIPE_API_BASE_URL.value() : "",
    appUrl: APP_URL.value(),
    maxUpcomingPerStudent: MAX_UPCOMING_SESSIONS_PER_STUDENT.value(),
    completionGraceHours: COMPLETION_GRACE_HOURS.value(),
    reminderOffsetsMinutes: REMINDER_OFFSETS_MINUTES.value(),
    platformFee: { percent: PLATFORM_FEE_PERCENT.value(), fixed: PLATFORM_FEE_FIXED.value() },
    payoutHoldHours: PAYOUT_HOLD_HOURS.value(),
    fcmApiUrl: isEmulator ? FCM_API_URL.value().trim() : "",
    isEmulator,
    credentialsKeyring: readSecret(CREDENTIALS_KEYRING),
    credentialsKeyVersion: CREDENTIALS_KEY_VERSION.value().trim(),
    credentialsKmsKey: CREDENTIALS_KMS_KEY.value().trim(),
  });
  cached = Object.freeze(parsed);
  return cached;
}
