import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpoints } from "../../demo/demo-client.js";
import { runDemo, summary } from "../../demo/demo.js";
import { functionsBaseUrl } from "../helpers/call-callable.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";

// `npm run demo`'s own code, driven in-process against the emulator run of the test command, with
// the stand-ins where `npm start` puts them.
let calcom: FakeCalcom;
let stripe: FakeStripe;

beforeAll(async () => {
  calcom = await FakeCalcom.start({ port: 5601, rateLimit: { limit: 10_000, windowMs: 60_000, blockMs: 60_000 } });
  stripe = await FakeStripe.start({ port: 5602 });
  stripe.subscribe(`${functionsBaseUrl()}/stripeWebhook`, "whsec_standin_webhook_secret");
});
afterAll(async () => {
  await calcom.stop();
  await stripe.stop();
});

describe("npm run demo", () => {
  it("walks the whole story and succeeds (the exit code the demo command would give)", async () => {
    const lines: string[] = [];
    const result = await runDemo(localEndpoints(), (line) => {
      lines.push(line);
    });
    expect(result.ok, `${lines.join("\n")}\n${summary(result)}`).toBe(true);
    expect(result.money).toEqual({ capturedCents: 6_000, refundedCents: 3_000, currency: "eur" });
    expect(result.states.map((s) => `${s.status}/${s.paymentStatus}`)).toEqual(["requested/pending", "confirmed/paid", "confirmed/paid", "cancelled/refunded"]);
  }, 180_000);
});
