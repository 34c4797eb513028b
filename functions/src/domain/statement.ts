import { z } from "zod";
import { CurrencySchema } from "./money.js";

/** The kinds of ledger entry that are money moving between the student and the platform at Stripe. */
export const PAYMENT_KINDS = ["captured", "refunded", "dispute-withdrawn", "dispute-reinstated"] as const;

/**
 * `bookings/{id}/ledger/{entryId}`: one movement of money, written once, never edited. Signed
 * minor units, from the side of what the platform holds for the booking: a payment in and a
 * transfer reversal are positive; a refund, a dispute's withdrawal, a transfer to the coach and
 * the platform's fee (taken into its own revenue) are negative. `coach-debt` is what the coach
 * owes from a reversal their balance could not cover (positive) and what was netted of it from a
 * later booking's share (negative, on that booking). The sum of a booking's entries is what the
 * platform still holds for its coach: zero once its share has reached them.
 */
export const LedgerEntrySchema = z.object({
  bookingId: z.string().min(1),
  coachId: z.string().min(1),
  kind: z.enum([...PAYMENT_KINDS, "platform-fee", "transfer", "transfer-reversal", "coach-debt"]),
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
  /** What the platform kept of the students' money: captured − refunded − disputed. */
  netCents: number;
  /** The platform's fee on what was kept (recorded once the session is settled). */
  feesCents: number;
  /** The coach's share: net − fees. */
  earnedCents: number;
  /** Sent to the coach's Stripe account, and taken back from it. */
  transferredCents: number;
  reversedCents: number;
  /** What the coach owes from reversals their balance could not cover, less what was netted from later shares. */
  owedCents: number;
  /** What the platform still holds for the coach: earned − transferred + reversed + owed. */
  heldCents: number;
}

export interface Statement {
  bookings: ({ bookingId: string; currency: string } & StatementLine)[];
  totals: ({ currency: string } & StatementLine)[];
  csv: string;
}

const COLUMNS = [
  "capturedCents",
  "refundedCents",
  "disputedCents",
  "netCents",
  "feesCents",
  "earnedCents",
  "transferredCents",
  "reversedCents",
  "owedCents",
  "heldCents",
] as const satisfies readonly (keyof StatementLine)[];

const empty = (): StatementLine => ({
  capturedCents: 0,
  refundedCents: 0,
  disputedCents: 0,
  netCents: 0,
  feesCents: 0,
  earnedCents: 0,
  transferredCents: 0,
  reversedCents: 0,
  owedCents: 0,
  heldCents: 0,
});

function add(line: StatementLine, entry: LedgerEntry): void {
  const a = entry.amountCents;
  switch (entry.kind) {
    case "captured":
      line.capturedCents += a;
      break;
    case "refunded":
      line.refundedCents -= a;
      break;
    case "dispute-withdrawn":
    case "dispute-reinstated":
      line.disputedCents -= a;
      break;
    case "platform-fee":
      line.feesCents -= a;
      break;
    case "transfer":
      line.transferredCents -= a;
      break;
    case "transfer-reversal":
      line.reversedCents += a;
      break;
    case "coach-debt":
      line.owedCents += a;
      break;
  }
  if ((PAYMENT_KINDS as readonly string[]).includes(entry.kind)) line.netCents += a;
  line.earnedCents = line.netCents - line.feesCents;
  line.heldCents += a;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A statement from ledger entries (a coach's, or the platform's over all coaches): per booking and
 * currency, and totals per currency.
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
  const header = ["bookingId", "currency", ...COLUMNS];
  const rows = [
    ...bookings.map((b) => [b.bookingId, b.currency, ...COLUMNS.map((c) => b[c])]),
    ...totals.map((t) => ["TOTAL", t.currency, ...COLUMNS.map((c) => t[c])]),
  ];
  const csv = [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
  return { bookings, totals, csv };
}
