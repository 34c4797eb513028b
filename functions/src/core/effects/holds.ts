import type { Transaction } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { appendAudit } from "../audit.js";
import { releaseInTx } from "../calendar.repository.js";
import { requireBooking, writeBooking } from "../bookings.repository.js";

/**
 * Releases an unpaid hold inside the caller's transaction (the booking already read by it):
 * cancelled/pending, its slot freed, one audit entry under `auditId`. Returns false, changing
 * nothing, when the booking is no longer an unpaid hold.
 */
export async function releaseHoldInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  reason: string,
  auditId: string,
  now: Date,
  audit: Record<string, unknown> = {},
): Promise<boolean> {
  if (booking.status !== "requested" || booking.paymentStatus !== "pending") return false;
  const release = await releaseInTx(tx, booking.coachId, bookingId);
  writeBooking(
    tx,
    bookingId,
    booking,
    { status: "cancelled", paymentStatus: "pending" },
    {
      holdExpiresAt: null,
      paymentProcessing: false,
      cancellation: { by: "system", reason, at: now.toISOString(), refundCents: 0, refundedBeforeCents: 0, tier: "hold-released" },
    },
    now,
  );
  release();
  appendAudit(tx, bookingId, auditId, { type: "hold-released", reason, ...audit }, now);
  return true;
}
/** Releases an unpaid hold: cancelled/pending, its slot freed. Safe to repeat. */
export async function releaseHold(bookingId: string, reason: string, deps: Dependencies): Promise<void> {
  const now = deps.now();
  await getDb().runTransaction(async (tx) => {
    await releaseHoldInTx(tx, bookingId, await requireBooking(bookingId, tx), reason, "hold-released", now);
  });
}
