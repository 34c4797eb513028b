import { AppError, type AppErrorCode } from "../../src/domain/errors.js";
import { toHttpsError } from "../../src/shared/errors.js";

/** What a client would see of a service call that must fail: the HttpsError's code, message and details. */
export async function errorWithDetailsOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    const mapped = toHttpsError(err) as { code: string; message: string; details?: Record<string, unknown> };
    return { code: mapped.code, message: mapped.message, details: mapped.details };
  }
  throw new Error("expected an error");
}

/** The code and message only, for exact comparison. */
export async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const { code, message } = await errorWithDetailsOf(promise);
  return { code, message };
}

/** Awaits a service call that must fail with AppError `code`; returns the error, to look at its message. */
export async function expectAppError(promise: Promise<unknown>, code: AppErrorCode): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}
