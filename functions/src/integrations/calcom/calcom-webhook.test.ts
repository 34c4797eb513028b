import { describe, expect, it } from "vitest";
import { calcomSignature, verifyCalcomSignature } from "./calcom-webhook.js";

const body = '{"triggerEvent":"BOOKING_CREATED","createdAt":"2030-01-07T08:00:00.000Z","payload":{"uid":"u1"}}';

describe("verifyCalcomSignature", () => {
  it("accepts the lowercase hex HMAC-SHA256 of the raw body", () => {
    const signature = calcomSignature(body, "s3cret");
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyCalcomSignature(body, signature, "s3cret")).toBe(true);
    expect(verifyCalcomSignature(Buffer.from(body), signature, "s3cret")).toBe(true);
  });

  it("refuses another secret, a changed body, uppercase hex, a missing header and no-secret-provided", () => {
    const signature = calcomSignature(body, "s3cret");
    expect(verifyCalcomSignature(body, signature, "other")).toBe(false);
    expect(verifyCalcomSignature(body.replace("u1", "u2"), signature, "s3cret")).toBe(false);
    expect(verifyCalcomSignature(body, signature.toUpperCase(), "s3cret")).toBe(false);
    expect(verifyCalcomSignature(body, undefined, "s3cret")).toBe(false);
    expect(verifyCalcomSignature(body, "no-secret-provided", "s3cret")).toBe(false);
  });
});
