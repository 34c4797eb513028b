import { expect } from "vitest";
import { PAYMENT_KINDS } from "../../src/domain/statement.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import type { FakeStripe } from "../stand-ins/fake-stripe.server.js";

/**
 * The money invariant of every booking Stripe took money for in this test: what the booking says
 * we kept (captured − refunded − disputed), the sum of its ledger's payment entries, and what the
 * Stripe stand-in kept of its payments are one and the same figure.
 */
export async function expectLedgersBalanced(stripe: FakeStripe): Promise<void> {
  const paymentsOf = new Map<string, string[]>();
  for (const pi of stripe.paymentIntents.values()) {
    const bookingId = pi.metadata.bookingId;
    if (pi.status !== "succeeded" || !bookingId) continue;
    paymentsOf.set(bookingId, [...(paymentsOf.get(bookingId) ?? []), pi.id]);
  }
  for (const [bookingId, payments] of paymentsOf) {
    const booking = (await bookingDoc(bookingId).get()).data();
    if (!booking) continue;
    const ledger = await getDb().collection(`bookings/${bookingId}/ledger`).get();
    const inLedger = ledger.docs
      .filter((d) => (PAYMENT_KINDS as readonly string[]).includes(String(d.get("kind"))))
      .reduce((sum, d) => sum + Number(d.get("amountCents")), 0);
    const atStripe = payments.reduce((sum, pi) => sum + stripe.heldFor(pi), 0);
    const onBooking = booking.paymentStatus === "pending" ? 0 : booking.amountCents - booking.refundedCents - booking.disputedCents;
    expect({ bookingId, onBooking, inLedger }).toEqual({ bookingId, onBooking: atStripe, inLedger: atStripe });
  }
}
