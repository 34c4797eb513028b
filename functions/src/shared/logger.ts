import * as logger from "firebase-functions/logger";

/**
 * Structured logs: one named event and flat fields. Never pass secrets, card data or tokens;
 * ids and amounts are fine.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export const log = {
  info(event: string, fields: LogFields = {}): void {
    logger.info(event, { event, ...fields });
  },
  warn(event: string, fields: LogFields = {}): void {
    logger.warn(event, { event, ...fields });
  },
  error(event: string, fields: LogFields = {}, err?: unknown): void {
    const error = err instanceof Error ? { errorName: err.name, errorMessage: err.message } : {};
    logger.error(event, { event, ...fields, ...error });
  },
};
