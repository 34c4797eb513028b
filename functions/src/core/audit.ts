import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { bookingEventDoc } from "../shared/firestore.js";

/** Appends to the booking's audit trail; a deterministic id makes a repeated step write nothing new. */
export function appendAudit(tx: Transaction, bookingId: string, eventId: string, entry: Record<string, unknown>, now: Date): void {
  tx.set(bookingEventDoc(bookingId, eventId), { ...entry, at: Timestamp.fromDate(now) });
}
