import { Timestamp, type Query, type Transaction } from "firebase-admin/firestore";
import { AppError } from "../domain/errors.js";
import { LedgerEntrySchema, type LedgerEntry } from "../domain/statement.js";
import { allLedgerEntries, ledgerEntryDoc } from "../shared/firestore.js";

/**
 * One entry of a booking's ledger as written: the statement's fields, and what ties it to the
 * booking's payments (the payment a refund or dispute belongs to; the obligation a refund pays).
 */
type LedgerEntryWrite = Omit<LedgerEntry, "at"> & { paymentIntentId?: string; obligationKey?: string | null };

/**
 * Writes one entry of a booking's ledger (`bookings/{id}/ledger/{entryId}`), checked with the
 * schema the statement reads it with. The id names the Stripe object (or the dispute's step), so
 * a repeated step writes the same entry again, never a second one.
 */
export function writeLedgerEntry(tx: Transaction, bookingId: string, entryId: string, entry: LedgerEntryWrite, now: Date): void {
  const checked = LedgerEntrySchema.safeParse({ ...entry, at: now.toISOString() });
  if (!checked.success) {
    throw new AppError("booking/unstorable", "This ledger entry could not be read back; nothing was changed.", {
      details: { issues: checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
    });
  }
  tx.set(ledgerEntryDoc(bookingId, entryId), { ...entry, at: Timestamp.fromDate(now) });
}

/** Whether the entry exists and the obligation it names (null: none), inside a transaction (a read: call before any write). */
export async function readLedgerEntryInTx(
  tx: Transaction,
  bookingId: string,
  entryId: string,
): Promise<{ exists: false } | { exists: true; obligationKey: string | null }> {
  const snap = await tx.get(ledgerEntryDoc(bookingId, entryId));
  if (!snap.exists) return { exists: false };
  const obligationKey: unknown = snap.get("obligationKey");
  return { exists: true, obligationKey: typeof obligationKey === "string" ? obligationKey : null };
}

/** Names the obligation an entry written without one paid (a refund found outside our flow, settled later). */
export function setLedgerObligation(tx: Transaction, bookingId: string, entryId: string, obligationKey: string): void {
  tx.update(ledgerEntryDoc(bookingId, entryId), { obligationKey });
}

/** A coach's ledger entries in [from, to), across all their bookings. */
export async function coachLedgerEntries(coachId: string, from: Date, to: Date): Promise<LedgerEntry[]> {
  return entriesIn(allLedgerEntries().where("coachId", "==", coachId), from, to);
}

/** Every ledger entry in [from, to), of all coaches (the platform's statement). */
export async function ledgerEntriesBetween(from: Date, to: Date): Promise<LedgerEntry[]> {
  return entriesIn(allLedgerEntries(), from, to);
}

/** The entries of `query` dated in [from, to), each read back through the statement's schema. */
async function entriesIn(query: Query, from: Date, to: Date): Promise<LedgerEntry[]> {
  const snap = await query.where("at", ">=", Timestamp.fromDate(from)).where("at", "<", Timestamp.fromDate(to)).get();
  return snap.docs.map((d) => {
    const data = d.data();
    const at: unknown = data.at;
    return LedgerEntrySchema.parse({ ...data, at: at instanceof Timestamp ? at.toDate().toISOString() : at });
  });
}
