import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError } from "../../domain/errors.js";
import type { KeyWrapper, WrappedDataKey } from "../../ports/key-wrapper.port.js";

/** Key versions of the local keyring are stored as `local-<n>` (KMS versions are resource names). */
const PREFIX = "local-";

export interface LocalKeyring {
  /** Every version that still unwraps, by number (each a 32-byte AES-256 key). */
  keys: ReadonlyMap<number, Buffer>;
  /** The version new data keys are wrapped under. */
  current: number;
}

/**
 * The key-encryption keys of `CREDENTIALS_KEYRING` (emulator, tests, a deployment without KMS):
 * a data key is wrapped with AES-256-GCM under the current version, the version bound as
 * associated data so a wrapped key relabelled with another version does not unwrap.
 */
export class LocalKeyWrapper implements KeyWrapper {
  constructor(private readonly keyring: LocalKeyring) {}

  currentVersion(): Promise<string> {
    return Promise.resolve(`${PREFIX}${this.keyring.current}`);
  }

  wrap(dataKey: Buffer): Promise<WrappedDataKey> {
    const keyVersion = `${PREFIX}${this.keyring.current}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.kek(this.keyring.current), iv);
    cipher.setAAD(Buffer.from(keyVersion));
    const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Promise.resolve({ wrappedKey: Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64"), keyVersion });
  }

  unwrap(wrapped: WrappedDataKey): Promise<Buffer> {
    const version = wrapped.keyVersion.startsWith(PREFIX) ? Number(wrapped.keyVersion.slice(PREFIX.length)) : NaN;
    const raw = Buffer.from(wrapped.wrappedKey, "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.kek(version), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(wrapped.keyVersion));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Promise.resolve(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]));
  }

  private kek(version: number): Buffer {
    const key = this.keyring.keys.get(version);
    if (key === undefined)
      throw new AppError("config/missing", `The key that protects a stored credential (version ${version}) is not configured.`);
    return key;
  }
}
