import type Stripe from "stripe";

/**
 * The Stripe stand-in's Connect objects (accounts, account links, transfers, reversals, balance)
 * as Stripe sends them: typed with stripe-node's own types and held against Stripe's description
 * by stripe-connect.test.ts, like stripe-objects.ts.
 */

export type FakeCapabilityStatus = "active" | "inactive" | "pending";

export interface FakeAccount {
  id: string;
  object: "account";
  /** `type` as Stripe reports it: `express` for the Express controller properties (or `type: express`). */
  type: Stripe.Account.Type;
  email: string | null;
  country: string;
  metadata: Record<string, string>;
  created: number;
  details_submitted: boolean;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  capabilities: { card_payments?: FakeCapabilityStatus; transfers?: FakeCapabilityStatus };
  currently_due: string[];
  past_due: string[];
  disabled_reason: Stripe.Account.Requirements.DisabledReason | null;
  controller: Stripe.Account.Controller;
}

export interface FakeTransferReversal {
  id: string;
  object: "transfer_reversal";
  amount: number;
  currency: string;
  transfer: string;
  metadata: Record<string, string>;
  created: number;
}

export interface FakeTransfer {
  id: string;
  object: "transfer";
  amount: number;
  amount_reversed: number;
  currency: string;
  destination: string;
  source_transaction: string | null;
  transfer_group: string | null;
  description: string | null;
  metadata: Record<string, string>;
  created: number;
  reversals: FakeTransferReversal[];
}

/** What a new Express account owes before it can be paid (Stripe's names for them). */
export const ONBOARDING_REQUIREMENTS = [
  "business_type",
  "external_account",
  "individual.dob.day",
  "individual.first_name",
  "individual.last_name",
  "tos_acceptance.date",
  "tos_acceptance.ip",
];

export function accountObject(a: FakeAccount): Stripe.Account {
  const requirements: Stripe.Account.Requirements = {
    alternatives: [],
    current_deadline: null,
    currently_due: [...a.currently_due],
    disabled_reason: a.disabled_reason,
    errors: [],
    eventually_due: [...new Set([...a.currently_due, ...a.past_due])],
    past_due: [...a.past_due],
    pending_verification: [],
  };
  return {
    id: a.id,
    object: "account",
    business_profile: null,
    business_type: null,
    capabilities: { ...a.capabilities },
    charges_enabled: a.charges_enabled,
    controller: a.controller,
    country: a.country,
    created: a.created,
    default_currency: a.country === "US" ? "usd" : "eur",
    details_submitted: a.details_submitted,
    email: a.email,
    metadata: { ...a.metadata },
    payouts_enabled: a.payouts_enabled,
    requirements,
    type: a.type,
  };
}

export function accountLinkObject(url: string, created: number, expiresAt: number): Stripe.AccountLink {
  return { object: "account_link", created, expires_at: expiresAt, url };
}

export function transferReversalObject(r: FakeTransferReversal): Stripe.TransferReversal {
  return {
    id: r.id,
    object: "transfer_reversal",
    amount: r.amount,
    balance_transaction: null,
    created: r.created,
    currency: r.currency,
    destination_payment_refund: null,
    metadata: { ...r.metadata },
    source_refund: null,
    transfer: r.transfer,
  };
}

export function transferObject(t: FakeTransfer): Stripe.Transfer {
  // Stripe embeds the 10 newest reversals in the transfer.
  const newest = [...t.reversals].reverse();
  return {
    id: t.id,
    object: "transfer",
    amount: t.amount,
    amount_reversed: t.amount_reversed,
    balance_transaction: null,
    created: t.created,
    currency: t.currency,
    description: t.description,
    destination: t.destination,
    livemode: false,
    metadata: { ...t.metadata },
    reversals: {
      object: "list",
      data: newest.slice(0, 10).map(transferReversalObject),
      has_more: newest.length > 10,
      url: `/v1/transfers/${t.id}/reversals`,
    },
    reversed: t.amount_reversed === t.amount,
    source_transaction: t.source_transaction,
    transfer_group: t.transfer_group,
  };
}

export function balanceObject(available: Map<string, number>, pending: Map<string, number>): Stripe.Balance {
  const currencies = [...new Set([...available.keys(), ...pending.keys()])].sort();
  const entry = (m: Map<string, number>) => currencies.map((currency) => ({ amount: m.get(currency) ?? 0, currency }));
  return { object: "balance", available: entry(available), livemode: false, pending: entry(pending) };
}
