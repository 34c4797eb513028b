import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The part of Stripe's API description (OpenAPI 3.0, API version 2026-10-28.endive, built from
 * stripe-node 23.1.0) this backend uses, copied into the repository as stripe-subset.openapi.json
 * so the Stripe stand-in is as strict on a clone without ../shared/contracts as in CI.
 *
 * The copy is made by `extractStripeSubset` from the full description (write-stripe-subset.ts), and
 * stripe-conformance.test.ts checks that the committed copy is still what it extracts. What it keeps:
 * the operations below whole (parameters, request bodies and every schema they reach, so any
 * parameter Stripe does not know is refused), and the answer objects with every schema reached
 * through a required, non-null field (the objects the stand-in must always build); any other
 * reference becomes `{ "x-stripe-pruned": name }`, which matches any value.
 */

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Json;
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

/** Every Stripe operation the gateway or the stand-in's users call: [method, path in Stripe's description]. */
export const STRIPE_OPERATIONS = [
  ["post", "/v1/checkout/sessions"],
  ["get", "/v1/checkout/sessions"],
  ["get", "/v1/checkout/sessions/{session}"],
  ["post", "/v1/checkout/sessions/{session}/expire"],
  ["get", "/v1/payment_intents/{intent}"],
  ["get", "/v1/disputes/{dispute}"],
  ["post", "/v1/refunds"],
  ["get", "/v1/refunds"],
  ["get", "/v1/refunds/{refund}"],
  ["get", "/v1/charges/{charge}"],
  ["post", "/v1/accounts"],
  ["get", "/v1/accounts"],
  ["post", "/v1/accounts/{account}"],
  ["post", "/v1/account_links"],
  ["get", "/v1/balance"],
  ["post", "/v1/transfers"],
  ["get", "/v1/transfers"],
  ["get", "/v1/transfers/{transfer}"],
  ["post", "/v1/transfers/{id}/reversals"],
] as const;

/**
 * Operations the SDK calls that the description names under another path: stripe-node 23.1.0's
 * `accounts.retrieve(id)` sends GET /v1/accounts/{id} (resources/Accounts.js), which the
 * description, built from the SDK's declarations, lists only as `retrieveCurrent`, GET /v1/account
 * (the same answer, an `account`). Kept as [method, path, the operation it takes, its path parameter].
 */
const ALIASED_OPERATIONS = [["get", "/v1/accounts/{account}", "/v1/account", "account"]] as const;

/** The objects the stand-in answers or sends in events, checked field by field. */
export const STRIPE_OBJECTS = [
  "checkout.session",
  "payment_intent",
  "charge",
  "refund",
  "dispute",
  "event",
  "account",
  "account_link",
  "transfer",
  "transfer_reversal",
  "balance",
] as const;
const EXTRA_ROOTS = ["Event.Data", "Event.Request", "error", "api_errors", "PaymentIntent.LastPaymentError"];

const REF = "#/components/schemas/";

function refsIn(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const x of node) refsIn(x, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.add(v.slice(REF.length));
      else refsIn(v, out);
    }
  }
  return out;
}

/** The schemas reached from a schema through required fields that are never null (arrays' items included). */
function alwaysPresentRefs(schema: Json): string[] {
  const out: string[] = [];
  const required = new Set((schema.required ?? []) as string[]);
  for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    if (!required.has(name) || prop.nullable === true) continue;
    const target = prop.type === "array" ? ((prop.items ?? {}) as Json) : prop;
    if (typeof target.$ref === "string") out.push(target.$ref.slice(REF.length));
  }
  return out;
}

function prune(node: unknown, keep: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((x) => prune(x, keep));
  if (!node || typeof node !== "object") return node;
  const obj = node as Json;
  if (typeof obj.$ref === "string") {
    const { $ref, ...siblings } = obj;
    const name = $ref.slice(REF.length);
    return keep.has(name) ? { $ref, ...siblings } : { ...siblings, "x-stripe-pruned": name };
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, prune(v, keep)]));
}

export function extractStripeSubset(full: OpenApiDocument): OpenApiDocument {
  const schemas = full.components.schemas;
  const keep = new Set<string>();
  // Requests: everything they reach, so nothing a request may carry is lost.
  const pending: string[] = [];
  const paths: Record<string, Record<string, Json>> = {};
  for (const [method, path] of STRIPE_OPERATIONS) {
    const op = full.paths[path]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in Stripe's description`);
    (paths[path] ??= {})[method] = op;
    pending.push(...refsIn({ parameters: op.parameters, requestBody: op.requestBody }, new Set()));
  }
  for (const [method, path, from, param] of ALIASED_OPERATIONS) {
    const op = full.paths[from]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${from} is not in Stripe's description`);
    const pathParameter = { name: param, in: "path", required: true, schema: { type: "string", maxLength: 5000 }, style: "simple" };
    (paths[path] ??= {})[method] = { ...op, parameters: [pathParameter, ...((op.parameters ?? []) as unknown[])] };
    pending.push(...refsIn({ parameters: op.parameters, requestBody: op.requestBody }, new Set()));
  }
  while (pending.length > 0) {
    const name = pending.pop() ?? "";
    if (keep.has(name)) continue;
    keep.add(name);
    pending.push(...refsIn(schemas[name], new Set()));
  }
  // Answers: the objects, and what they always carry.
  const answers: string[] = [...STRIPE_OBJECTS, ...EXTRA_ROOTS];
  while (answers.length > 0) {
    const name = answers.pop() ?? "";
    if (keep.has(name) && !STRIPE_OBJECTS.includes(name as (typeof STRIPE_OBJECTS)[number])) continue;
    const schema = schemas[name];
    if (!schema) throw new Error(`schema ${name} is not in Stripe's description`);
    keep.add(name);
    answers.push(...alwaysPresentRefs(schema).filter((n) => !keep.has(n)));
  }
  const kept = Object.fromEntries([...keep].sort().map((name) => [name, prune(schemas[name], keep) as Json]));
  return { openapi: full.openapi, info: full.info, paths: prune(paths, keep) as OpenApiDocument["paths"], components: { schemas: kept } };
}

/** Where the full description has an operation of the copy: its own path, or the one an alias takes. */
export function pathInFullDescription(method: string, template: string): string {
  const alias = ALIASED_OPERATIONS.find(([m, path]) => m === method.toLowerCase() && path === template);
  return alias ? alias[2] : template;
}

export const STRIPE_SUBSET_PATH = fileURLToPath(new URL("./stripe-subset.openapi.json", import.meta.url));

let loaded: OpenApiDocument | undefined;
export function stripeSubset(): OpenApiDocument {
  loaded ??= JSON.parse(readFileSync(STRIPE_SUBSET_PATH, "utf8")) as OpenApiDocument;
  return loaded;
}
