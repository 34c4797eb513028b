import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import type { KeyWrapper, WrappedDataKey } from "../../ports/key-wrapper.port.js";

const KMS_API = "https://cloudkms.googleapis.com/v1";
const METADATA_TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";

const TokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number() });
const EncryptAnswerSchema = z.object({ name: z.string().min(1), ciphertext: z.string().min(1) });
const DecryptAnswerSchema = z.object({ plaintext: z.string().min(1) });
const CryptoKeySchema = z.object({ primary: z.object({ name: z.string().min(1) }) });

/**
 * Cloud KMS as the key-encryption key (production): `CREDENTIALS_KMS_KEY` names a symmetric
 * CryptoKey; KMS encrypts under its primary version and records the version in the ciphertext,
 * so rotating the CryptoKey (a new primary) needs no change here. Written against KMS's REST API
 * with the runtime service account's token from the metadata server (the client library is not a
 * dependency); the service account needs roles/cloudkms.cryptoKeyEncrypterDecrypter on the key.
 * Not reachable from the tests (no KMS offline): LocalKeyWrapper is the tested path.
 */
export class KmsKeyWrapper implements KeyWrapper {
  private token: { value: string; expiresAtMs: number } | null = null;

  constructor(
    private readonly cryptoKeyName: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async currentVersion(): Promise<string> {
    return CryptoKeySchema.parse(await this.call("GET", `${KMS_API}/${this.cryptoKeyName}`)).primary.name;
  }

  async wrap(dataKey: Buffer): Promise<WrappedDataKey> {
    const answer = EncryptAnswerSchema.parse(
      await this.call("POST", `${KMS_API}/${this.cryptoKeyName}:encrypt`, { plaintext: dataKey.toString("base64") }),
    );
    return { wrappedKey: answer.ciphertext, keyVersion: answer.name };
  }

  async unwrap(wrapped: WrappedDataKey): Promise<Buffer> {
    // KMS decrypts through the CryptoKey (the version is inside the ciphertext), any enabled version.
    const answer = DecryptAnswerSchema.parse(
      await this.call("POST", `${KMS_API}/${this.cryptoKeyName}:decrypt`, { ciphertext: wrapped.wrappedKey }),
    );
    return Buffer.from(answer.plaintext, "base64");
  }

  private async accessToken(): Promise<string> {
    if (this.token !== null && this.token.expiresAtMs - 60_000 > Date.now()) return this.token.value;
    const res = await this.fetchFn(METADATA_TOKEN_URL, { headers: { "Metadata-Flavor": "Google" } });
    if (!res.ok) throw new AppError("upstream/unavailable", "The key service is not available: please try again in a minute.");
    const t = TokenSchema.parse(await res.json());
    this.token = { value: t.access_token, expiresAtMs: Date.now() + t.expires_in * 1000 };
    return t.access_token;
  }

  private async call(method: "GET" | "POST", url: string, body?: Record<string, string>): Promise<unknown> {
    const res = await this.fetchFn(url, {
      method,
      headers: { authorization: `Bearer ${await this.accessToken()}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // The answer's body is not logged: a decrypt answer carries key material.
    if (!res.ok)
      throw new AppError("upstream/unavailable", "The key service is not available: please try again in a minute.", {
        details: { kmsStatus: res.status },
      });
    return res.json();
  }
}
