import { fileURLToPath } from "node:url";

/** Where Stripe's full description is found beside the checkout (CI), unless STRIPE_OPENAPI_PATH says otherwise. */
export const STRIPE_FULL_DESCRIPTION_PATH =
  process.env.STRIPE_OPENAPI_PATH ??
  fileURLToPath(new URL("../../../../shared/contracts/stripe/stripe-v1.sdk-23.1.0.openapi.json.gz", import.meta.url));
