import { describe, expect, it } from "vitest";
import { callCallable } from "../helpers/call-callable.js";
import { signUp } from "../helpers/auth.js";
import type { HealthReport } from "../../src/features/health/health.service.js";

describe("getHealth through the Functions emulator", () => {
  it("answers an anonymous caller with the runtime and the far ends in use", async () => {
    const res = await callCallable<HealthReport>("getHealth", null);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.result.ok).toBe(true);
    expect(res.result.node).toMatch(/^v22\./);
    expect(res.result.emulator).toBe(true);
    expect(res.result.calcom.baseUrl).toBe("http://127.0.0.1:5601/v2");
    expect(res.result.stripe.apiBase).toBe("http://127.0.0.1:5602");
  });

  it("resolves every secret from functions/.secret.local under the emulator (never echoing it)", async () => {
    const res = await callCallable<HealthReport>("getHealth", {});
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.result.calcom).toMatchObject({ apiKeyConfigured: true, webhookSecretConfigured: true });
    expect(res.result.stripe).toMatchObject({
      secretKeyConfigured: true,
      webhookSecretConfigured: true,
      connectWebhookSecretConfigured: true,
    });
    expect(JSON.stringify(res.result)).not.toContain("sk_test_standin");
  });

  it("answers a signed-in caller with an Auth-emulator ID token", async () => {
    const { idToken } = await signUp(`health-${Date.now()}@example.com`);
    const res = await callCallable<HealthReport>("getHealth", null, idToken);
    expect(res.ok).toBe(true);
  });

  it("refuses unexpected input with invalid-argument", async () => {
    const res = await callCallable("getHealth", { verbose: true });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.httpStatus).toBe(400);
    expect(res.error.status).toBe("INVALID_ARGUMENT");
    expect(res.error.details).toMatchObject({ code: "request/invalid" });
  });
});
