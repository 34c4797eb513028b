import { createHmac, timingSafeEqual } from "node:crypto";

/** Cal.com's webhook signature: lowercase hex HMAC-SHA256 of the exact raw body with the secret. */
export function calcomSignature(rawBody: string | Buffer, secret: string): string {
  return createHmac("sha256", secret).update(rawBody).digest("hex");
}

/**
 * Verifies `X-Cal-Signature-256` in constant time. Cal.com sends the literal
 * `no-secret-provided` when the webhook has no secret: that never verifies.
 */
export function verifyCalcomSignature(rawBody: string | Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !/^[0-9a-f]{64}$/.test(header)) return false;
  const expected = Buffer.from(calcomSignature(rawBody, secret), "hex");
  const given = Buffer.from(header, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
