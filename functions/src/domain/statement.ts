import { z } from "zod";
import { CurrencySchema } from "./money.js";

/** `bookings/{id}/ledger/{stripeObjectId}`: one movement of money, written once, never edited. */
export const LedgerEntrySchema = z.object({
  bookingId: z.string().min(1),
  coachId: z.string().min(1),
  kind: z.enum(["captured", "refunded", "dispute-withdrawn", "dispute-reinstated"]),
  /** Signed minor units: money in is positive, money out negative. */
  amountCents: z.int(),
  currency: CurrencySchema,
  stripeObjectId: z.string().min(1),
  cause: z.string(),
  at: z.string(),
});
export type LedgerEntry = z.output<typeof LedgerEntrySchema>;

export interface StatementLine {
  capturedCents: number;
  refundedCents: number;
  /** Taken back by disputes, net of what disputes won put back. */
  disputedCents: number;
  netCents: number;
}

export interface Statement {
  bookings: ({ bookingId: string; currency: string } & StatementLine)[];
  totals: ({ currency: string } & StatementLine)[];
  csv: string;
}

const empty = (): StatementLine => ({ capturedCents: 0, refundedCents: 0, disputedCents: 0, netCents: 0 });

function add(line: StatementLine, entry: LedgerEntry): void {
  if (entry.kind === "captured") line.capturedCents += entry.amountCents;
  else if (entry.kind === "refunded") line.refundedCents -= entry.amountCents;
  else line.disputedCents -= entry.amountCents;
  line.netCents += entry.amountCents;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A coach's statement from ledger entries: per booking and currency, and totals per currency.
 * Pure; currencies are never added together. The CSV has one row per booking, then one `TOTAL`
 * row per currency, amounts in minor units.
 */
export function buildStatement(entries: readonly LedgerEntry[]): Statement {
  const perBooking = new Map<string, { bookingId: string; currency: string } & StatementLine>();
  const perCurrency = new Map<string, { currency: string } & StatementLine>();
  for (const entry of entries) {
    const key = `${entry.bookingId}|${entry.currency}`;
    const b = perBooking.get(key) ?? { bookingId: entry.bookingId, currency: entry.currency, ...empty() };
    add(b, entry);
    perBooking.set(key, b);
    const t = perCurrency.get(entry.currency) ?? { currency: entry.currency, ...empty() };
    add(t, entry);
    perCurrency.set(entry.currency, t);
  }
  const bookings = [...perBooking.values()].sort((a, b) => a.bookingId.localeCompare(b.bookingId) || a.currency.localeCompare(b.currency));
  const totals = [...perCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  const header = ["bookingId", "currency", "capturedCents", "refundedCents", "disputedCents", "netCents"];
  const rows = [
    ...bookings.map((b) => [b.bookingId, b.currency, b.capturedCents, b.refundedCents, b.disputedCents, b.netCents]),
    ...totals.map((t) => ["TOTAL", t.currency, t.capturedCents, t.refundedCents, t.disputedCents, t.netCents]),
  ];
  const csv = [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
  return { bookings, totals, csv };
}
