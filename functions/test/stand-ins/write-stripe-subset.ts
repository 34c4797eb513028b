/**
 * Rewrites stripe-subset.openapi.json from Stripe's full description (default
 * ../shared/contracts/stripe/stripe-v1.sdk-23.1.0.openapi.json.gz, or the path given).
 * Run after adding an operation to STRIPE_OPERATIONS: `npx tsx test/stand-ins/write-stripe-subset.ts [path]`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { STRIPE_SUBSET_PATH, extractStripeSubset, type OpenApiDocument } from "./stripe-subset.js";
import { STRIPE_FULL_DESCRIPTION_PATH } from "./stripe-description-path.js";

const path = process.argv[2] ?? STRIPE_FULL_DESCRIPTION_PATH;
const raw = readFileSync(path);
const full = JSON.parse((path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as OpenApiDocument;
writeFileSync(STRIPE_SUBSET_PATH, `${JSON.stringify(extractStripeSubset(full), null, 2)}\n`);
console.log(`wrote ${STRIPE_SUBSET_PATH}`);
