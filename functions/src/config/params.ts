import { defineBoolean, defineInt, defineSecret, defineString } from "firebase-functions/params";
import { DEFAULT_PAYOUT_HOLD_HOURS } from "../domain/payout-timing.js";
import { DEFAULT_COMPLETION_GRACE_HOURS, DEFAULT_MAX_UPCOMING_PER_STUDENT, DEFAULT_RATE_LIMIT } from "../domain/abuse-defaults.js";

// Every parameter and secret, declared once. Values are read lazily (config/runtime-config.ts);
// under the emulator secrets come from functions/.secret.local and strings from .env.local.

export const CALCOM_API_KEY = defineSecret("CALCOM_API_KEY");
export const CALCOM_WEBHOOK_SECRET = defineSecret("CALCOM_WEBHOOK_SECRET");
export const STRIPE_SECRET_KEY = defineSecret("STRIPE_SECRET_KEY");
export const STRIPE_WEBHOOK_SECRET = defineSecret("STRIPE_WEBHOOK_SECRET");
/** The signing secret of the Connect webhook endpoint (events of connected accounts: `account.updated`). */
export const STRIPE_CONNECT_WEBHOOK_SECRET = defineSecret("STRIPE_CONNECT_WEBHOOK_SECRET");
/** Local key-encryption keys of coach credentials, `<version>:<base64 of 32 bytes>` comma-separated (docs/operations.md). */
export const CREDENTIALS_KEYRING = defineSecret("CREDENTIALS_KEYRING");

export const CALCOM_API_URL = defineString("CALCOM_API_URL", {
  default: "https://api.cal.com/v2",
  description: "Cal.com API v2 base URL (a self-hosted Cal.com, or the local stand-in)",
});
export const CALCOM_WEBHOOK_URL = defineString("CALCOM_WEBHOOK_URL", {
  default: "",
  description:
    "Our calcomWebhook's public URL, registered in each connected coach's Cal.com account at connect (empty: none registered, reconciliation's poll only)",
});
export const CALCOM_ORGANIZATION_ID = defineString("CALCOM_ORGANIZATION_ID", {
  default: "",
  description: "Organization mode: the Cal.com organization whose admin key is CALCOM_API_KEY (empty: off)",
});
export const CALCOM_TEAM_ID = defineString("CALCOM_TEAM_ID", {
  default: "",
  description: "Organization mode: the organization team that holds the coaches' event types",
});
export const STRIPE_API_BASE_URL = defineString("STRIPE_API_BASE_URL", {
  default: "",
  description: "Stripe API base override, honoured only under the emulator or tests",
});

export const APP_URL = defineString("APP_URL", {
  default: "http://localhost:3000",
  description: "The client app's base URL: Stripe Checkout returns the student to /bookings/{bookingId}",
});

export const CALCOM_QUEUE_DISPATCHES_PER_SECOND = defineInt("CALCOM_QUEUE_DISPATCHES_PER_SECOND", {
  default: 1,
  description:
    "Background Cal.com writes per second (the calcomWrites queue); Cal.com allows 2 a second per key, 1 leaves half for interactive calls",
});

export const APP_CHECK_ENFORCED = defineBoolean("APP_CHECK_ENFORCED", {
  default: true,
  description:
    "Callables refuse requests without a valid App Check token (set false under the emulator, or while an app has no App Check yet)",
});

export const RATE_LIMIT_CALLS_PER_MINUTE = defineInt("RATE_LIMIT_CALLS_PER_MINUTE", {
  default: DEFAULT_RATE_LIMIT.perMinute,
  description: "Calls one account may make a minute, on average, across all callables and the REST API",
});

export const RATE_LIMIT_BURST = defineInt("RATE_LIMIT_BURST", {
  default: DEFAULT_RATE_LIMIT.burst,
  description: "Calls one account may make at once before the per-minute rate applies",
});

export const MAX_UPCOMING_SESSIONS_PER_STUDENT = defineInt("MAX_UPCOMING_SESSIONS_PER_STUDENT", {
  default: DEFAULT_MAX_UPCOMING_PER_STUDENT,
  description: "Upcoming sessions (paid, free or held) one student may have with one coach at once",
});

export const COMPLETION_GRACE_HOURS = defineInt("COMPLETION_GRACE_HOURS", {
  default: DEFAULT_COMPLETION_GRACE_HOURS,
  description: "Hours after a session's end during which either side may report a no-show; then it is completed",
});

export const REMINDER_OFFSETS_MINUTES = defineString("REMINDER_OFFSETS_MINUTES", {
  default: "1440,60",
  description: "When reminders go out before a session, in minutes, comma-separated (1440,60: 24 h and 1 h before; empty: none)",
});

export const PLATFORM_FEE_PERCENT = defineString("PLATFORM_FEE_PERCENT", {
  default: "15",
  description: "The platform's fee on what a booking keeps, in percent (e.g. 15 or 12.5), frozen on each booking when it is made",
});

export const PLATFORM_FEE_FIXED = defineString("PLATFORM_FEE_FIXED", {
  default: "",
  description: "A fixed part of the platform's fee per booking, per currency in minor units (e.g. eur:50,usd:50; empty: none)",
});

export const PAYOUT_HOLD_HOURS = defineInt("PAYOUT_HOLD_HOURS", {
  default: DEFAULT_PAYOUT_HOLD_HOURS,
  description:
    "Hours a settled session's money waits before it is transferred to the coach (no-show reports and early disputes land first)",
});

export const FCM_API_URL = defineString("FCM_API_URL", {
  default: "",
  description: "Under the emulator only: a local stand-in of FCM's send endpoint that push notifications go to (empty: FCM)",
});

export const CREDENTIALS_KEY_VERSION = defineString("CREDENTIALS_KEY_VERSION", {
  default: "",
  description: "The CREDENTIALS_KEYRING version that wraps new coach credentials (empty: the highest listed)",
});
export const CREDENTIALS_KMS_KEY = defineString("CREDENTIALS_KMS_KEY", {
  default: "",
  description:
    "Production: the Cloud KMS CryptoKey (projects/…/locations/…/keyRings/…/cryptoKeys/…) that wraps coach credentials' data keys (empty: CREDENTIALS_KEYRING)",
});

export const ALL_SECRETS = [
  CALCOM_API_KEY,
  CALCOM_WEBHOOK_SECRET,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
  STRIPE_CONNECT_WEBHOOK_SECRET,
  CREDENTIALS_KEYRING,
];

export const CATALOG_PUBLIC_READ = defineBoolean("CATALOG_PUBLIC_READ", {
  default: false,
  description:
    "The public coach catalog is readable without signing in (listCoaches, getCoach, publicCoaches documents); a change reaches a document at its next rewrite",
});

export const CATALOG_APPROVAL_REQUIRED = defineBoolean("CATALOG_APPROVAL_REQUIRED", {
  default: false,
  description: "Coaches appear in the public catalog only once an admin approved them (setCoachListing)",
});
