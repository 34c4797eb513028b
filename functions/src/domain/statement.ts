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

/** A coach's statement: one row per booking and currency. */
export interface Statement {
  bookings: ({ bookingId: string; currency: string } & StatementLine)[];
  totals: ({ currency: string } & StatementLine)[];
  csv: string;
}

/** The platform's statement over all coaches: one row per coach and currency. */
export interface PlatformStatement {
  coaches: ({ coachId: string; currency: string } & StatementLine)[];
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

type Row = { key: string; currency: string } & StatementLine;

/** The entries summed per row (`keyOf` and currency) and per currency; rows and totals sorted. */
function sumEntries(entries: readonly LedgerEntry[], keyOf: (entry: LedgerEntry) => string) {
  const perRow = new Map<string, Row>();
  const perCurrency = new Map<string, { currency: string } & StatementLine>();
  for (const entry of entries) {
    const key = keyOf(entry);
    const rowKey = `${key}|${entry.currency}`;
    const r = perRow.get(rowKey) ?? { key, currency: entry.currency, ...empty() };
    add(r, entry);
    perRow.set(rowKey, r);
    const t = perCurrency.get(entry.currency) ?? { currency: entry.currency, ...empty() };
    add(t, entry);
    perCurrency.set(entry.currency, t);
  }
  const rows = [...perRow.values()].sort((a, b) => a.key.localeCompare(b.key) || a.currency.localeCompare(b.currency));
  const totals = [...perCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  return { rows, totals };
}

/** One CSV row per row, then one `TOTAL` row per currency, amounts in minor units. */
function csvOf(keyColumn: string, rows: readonly Row[], totals: readonly ({ currency: string } & StatementLine)[]): string {
  const header = [keyColumn, "currency", ...COLUMNS];
  const lines = [
    ...rows.map((r) => [r.key, r.currency, ...COLUMNS.map((c) => r[c])]),
    ...totals.map((t) => ["TOTAL", t.currency, ...COLUMNS.map((c) => t[c])]),
  ];
  return [header, ...lines].map((l) => l.map(csvCell).join(",")).join("\n") + "\n";
}

/**
 * A coach's statement from their ledger entries: per booking and currency, and totals per
 * currency. Pure; currencies are never added together. The CSV has one row per booking, then one
 * `TOTAL` row per currency, amounts in minor units.
 */
export function buildStatement(entries: readonly LedgerEntry[]): Statement {
  const { rows, totals } = sumEntries(entries, (e) => e.bookingId);
  return { bookings: rows.map(({ key, ...line }) => ({ bookingId: key, ...line })), totals, csv: csvOf("bookingId", rows, totals) };
}

/**
 * The platform's statement from all coaches' ledger entries: per coach and currency, and totals
 * per currency, summed as a coach's statement is. The totals' fees are the platform's revenue;
 * their held is what it still holds for coaches, their owed what coaches still owe it.
 */
export function buildPlatformStatement(entries: readonly LedgerEntry[]): PlatformStatement {
  const { rows, totals } = sumEntries(entries, (e) => e.coachId);
  return { coaches: rows.map(({ key, ...line }) => ({ coachId: key, ...line })), totals, csv: csvOf("coachId", rows, totals) };
}
