/** A data key wrapped by a key-encryption key, with the version of that key (what unwraps it). */
export interface WrappedDataKey {
  /** Base64 of the wrapped data key. */
  wrappedKey: string;
  keyVersion: string;
}

/**
 * The key-encryption key of envelope encryption (core/credential-vault.ts): Cloud KMS in
 * production, a keyring from the local secrets file under the emulator and tests. New writes
 * are wrapped under the current version; every version still listed unwraps.
 */
export interface KeyWrapper {
  /** The version `wrap` uses now: a stored key under any other is re-wrapped by reconciliation. */
  currentVersion(): Promise<string>;
  wrap(dataKey: Buffer): Promise<WrappedDataKey>;
  unwrap(wrapped: WrappedDataKey): Promise<Buffer>;
}
