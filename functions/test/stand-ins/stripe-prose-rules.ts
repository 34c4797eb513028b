import type { StripeHttpError } from "./stripe-error.js";
import { invalidRequest } from "./stripe-error.js";
import { minimumChargeCents } from "../../src/domain/money.js";

/**
 * The rules Stripe states only in its prose documentation, not in its API description, for the
 * operations this backend uses (docs/stand-ins.md lists them). Parameters arrive as qs parsed them
 * and have already passed the description (stripe-request-schema.ts).
 */

export const PINNED_STRIPE_VERSION = "2026-10-28.endive";

const METADATA_KEYS = 50;
const METADATA_KEY_LENGTH = 40;
const METADATA_VALUE_LENGTH = 500;
const EXPIRES_MIN_S = 30 * 60;
const EXPIRES_MAX_S = 24 * 3600;
// What Stripe checks of an email: one @, something on each side, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

type Params = Record<string, unknown>;
const plain = (v: unknown): v is Params => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : plain(v) ? Object.values(v) : []);

/** The `Stripe-Version` header: only the version the project pins (the stand-in speaks no other). */
export function checkStripeVersion(header: string | undefined): StripeHttpError | null {
  if (header === undefined || header === PINNED_STRIPE_VERSION) return null;
  return invalidRequest(
    `Invalid Stripe API version: ${header}. This stand-in answers only in API version ${PINNED_STRIPE_VERSION}, the one the project pins.`,
  );
}

/** Metadata anywhere in the parameters: at most 50 keys, keys of at most 40 characters, values of at most 500. */
function checkMetadata(params: Params, param: string): StripeHttpError | null {
  for (const [key, value] of Object.entries(params)) {
    const at = param === "" ? key : `${param}[${key}]`;
    if (key === "metadata" && plain(value)) {
      const keys = Object.keys(value);
      if (keys.length > METADATA_KEYS) return invalidRequest(`Invalid ${at}: metadata cannot have more than ${METADATA_KEYS} keys`, at);
      for (const k of keys) {
        if (k.length > METADATA_KEY_LENGTH)
          return invalidRequest(`Metadata keys can have a maximum length of ${METADATA_KEY_LENGTH} characters.`, `${at}[${k}]`);
        const v = value[k];
        if (typeof v === "string" && v.length > METADATA_VALUE_LENGTH)
          return invalidRequest(`Metadata values can have a maximum length of ${METADATA_VALUE_LENGTH} characters.`, `${at}[${k}]`);
      }
      continue;
    }
    if (plain(value) || Array.isArray(value)) {
      const nested = Array.isArray(value) ? Object.fromEntries(value.map((v, i) => [String(i), v as unknown])) : value;
      const err = checkMetadata(nested, at);
      if (err) return err;
    }
  }
  return null;
}

function checkLimit(params: Params): StripeHttpError | null {
  if (params.limit === undefined) return null;
  const limit = Number(params.limit);
  if (limit < 1) return invalidRequest("This value must be greater than or equal to 1.", "limit");
  if (limit > 100) return invalidRequest("This value must be less than or equal to 100.", "limit");
  return null;
}

function formatMinimum(currency: string, cents: number): string {
  const zeroDecimal = currency === "jpy";
  return `${zeroDecimal ? cents : (cents / 100).toFixed(2)} ${currency}`;
}

function checkCheckoutCreate(p: Params, nowS: number): StripeHttpError | null {
  if (p.mode === undefined) return invalidRequest("Missing required param: mode.", "mode", "parameter_missing");
  const items = list(p.line_items);
  if (p.mode === "payment" && items.length === 0)
    return invalidRequest("`line_items` is required in `payment` mode.", "line_items", "parameter_missing");
  let total = 0;
  let currency: string | null = null;
  for (const [i, raw] of items.entries()) {
    const item = plain(raw) ? raw : {};
    const at = `line_items[${i}]`;
    if (item.price === undefined && item.price_data === undefined)
      return invalidRequest(`You must specify either \`price\` or \`price_data\` in ${at}.`, `${at}[price]`, "parameter_missing");
    if (item.quantity === undefined)
      return invalidRequest(`Quantity is required. Add \`quantity\` to \`${at}\`.`, `${at}[quantity]`, "parameter_missing");
    const quantity = Number(item.quantity);
    if (quantity < 1) return invalidRequest("This value must be greater than or equal to 1.", `${at}[quantity]`);
    const price = plain(item.price_data) ? item.price_data : null;
    if (!price) continue;
    if (price.product === undefined && price.product_data === undefined)
      return invalidRequest(
        "You must specify either `product` or `product_data` when creating a price.",
        `${at}[price_data][product_data]`,
        "parameter_missing",
      );
    if (price.unit_amount === undefined && price.unit_amount_decimal === undefined)
      return invalidRequest(
        "You must specify either `unit_amount` or `unit_amount_decimal` when creating a price.",
        `${at}[price_data][unit_amount]`,
        "parameter_missing",
      );
    const itemCurrency = String(price.currency).toLowerCase();
    if (!/^[a-z]{3}$/.test(itemCurrency))
      return invalidRequest(`Invalid currency: ${String(price.currency)}.`, `${at}[price_data][currency]`);
    if (currency !== null && itemCurrency !== currency)
      return invalidRequest("All `line_items` must have the same currency.", `${at}[price_data][currency]`);
    currency = itemCurrency;
    const unit = Number(price.unit_amount ?? price.unit_amount_decimal);
    if (unit < 0) return invalidRequest("This value must be greater than or equal to 0.", `${at}[price_data][unit_amount]`);
    total += unit * quantity;
  }
  const minimum = currency === null ? 0 : minimumChargeCents(currency);
  if (currency !== null && total < minimum) {
    return invalidRequest(
      `The Checkout Session's total amount due must add up to at least ${formatMinimum(currency, minimum)}`,
      undefined,
      "amount_too_small",
    );
  }
  if (typeof p.customer_email === "string" && !EMAIL.test(p.customer_email))
    return invalidRequest(`Invalid email address: ${p.customer_email}`, "customer_email", "email_invalid");
  if (p.expires_at !== undefined) {
    const ahead = Number(p.expires_at) - nowS;
    if (ahead > EXPIRES_MAX_S)
      return invalidRequest("The expires_at timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
    if (ahead < EXPIRES_MIN_S)
      return invalidRequest("The expires_at timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
  }
  return null;
}

function checkRefundCreate(p: Params): StripeHttpError | null {
  if (p.payment_intent === undefined && p.charge === undefined)
    return invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", "payment_intent");
  return null;
}

/** The first prose rule of Stripe's that these parameters break, or null. `template` is the path as Stripe's description names it. */
export function checkProseRules(method: string, template: string, params: Params, nowS: number): StripeHttpError | null {
  const route = `${method} ${template}`;
  return (
    checkMetadata(params, "") ??
    (method === "GET" ? checkLimit(params) : null) ??
    (route === "POST /v1/checkout/sessions" ? checkCheckoutCreate(params, nowS) : null) ??
    (route === "POST /v1/refunds" ? checkRefundCreate(params) : null)
  );
}
