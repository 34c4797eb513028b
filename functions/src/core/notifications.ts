import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { notificationDoc } from "../shared/firestore.js";

/** One notification per booking, kind and recipient (its id), so a retried step sends it once. */
export function notify(
  tx: Transaction,
  input: { bookingId: string; recipientId: string; kind: string; title: string; body: string },
  now: Date,
): void {
  const id = `${input.bookingId}_${input.kind}_${input.recipientId}`;
  tx.set(notificationDoc(id), { ...input, createdAt: Timestamp.fromDate(now), readAt: null });
}
