import type Stripe from "stripe";

/**
 * The Stripe stand-in's objects as Stripe sends them: every field Stripe always sends is present
 * (null, false or empty when it does not apply), typed with stripe-node's own types so `tsc` checks
 * every name, and held against Stripe's description by stripe-conformance.test.ts.
 */

export interface FakeSession {
  id: string;
  object: "checkout.session";
  status: "open" | "complete" | "expired";
  payment_status: "unpaid" | "paid";
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  url: string | null;
  expires_at: number;
  created: number;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Record<string, string>;
  mode: "payment";
  livemode: false;
  success_url: string | null;
  cancel_url: string | null;
  payment_intent: string | null;
  ui_mode: "hosted_page";
  payment_intent_metadata: Record<string, string>;
  payment_intent_description: string | null;
  payment_intent_transfer_group: string | null;
}
export interface FakePaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  currency: string;
  status: Stripe.PaymentIntent.Status;
  latest_charge: string;
  metadata: Record<string, string>;
  description: string | null;
  transfer_group: string | null;
  created: number;
  last_payment_error?: { type: Stripe.PaymentIntent.LastPaymentError.Type; code: string; decline_code: string; message: string };
}
export interface FakeCharge {
  id: string;
  object: "charge";
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  payment_intent: string;
  disputed: boolean;
  metadata: Record<string, string>;
  created: number;
  transfer_group: string | null;
}
export interface FakeDispute {
  id: string;
  object: "dispute";
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: string;
  status: "needs_response" | "under_review" | "won" | "lost" | "warning_needs_response" | "warning_under_review" | "warning_closed";
  is_charge_refundable: boolean;
  evidence_details: { due_by: number | null; has_evidence: boolean; past_due: boolean; submission_count: number };
  created: number;
  livemode: false;
  metadata: Record<string, string>;
}
export type FakeRefundStatus = "succeeded" | "pending" | "requires_action" | "failed" | "canceled";
export interface FakeRefund {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  status: FakeRefundStatus;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
  created: number;
}

export function sessionObject(s: FakeSession): Stripe.Checkout.Session {
  return {
    id: s.id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: s.amount_subtotal,
    amount_total: s.amount_total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: s.cancel_url,
    client_reference_id: s.client_reference_id,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: s.created,
    currency: s.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_account: null,
    customer_creation: "if_required",
    customer_details: null,
    customer_email: s.customer_email,
    discounts: [],
    expires_at: s.expires_at,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: { ...s.metadata },
    mode: "payment",
    origin_context: null,
    payment_intent: s.payment_intent,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_status: s.payment_status,
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: s.status,
    submit_type: null,
    subscription: null,
    success_url: s.success_url,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    url: s.url,
    wallet_options: null,
  };
}

export function paymentIntentObject(pi: FakePaymentIntent): Stripe.PaymentIntent {
  const succeeded = pi.status === "succeeded";
  return {
    id: pi.id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: pi.amount,
    amount_capturable: 0,
    amount_received: succeeded ? pi.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${pi.id}_secret_standin`,
    confirmation_method: "automatic",
    created: pi.created,
    currency: pi.currency,
    customer: null,
    customer_account: null,
    description: pi.description,
    excluded_payment_method_types: null,
    last_payment_error: pi.last_payment_error ?? null,
    latest_charge: pi.latest_charge === "" ? null : pi.latest_charge,
    livemode: false,
    managed_payments: null,
    metadata: { ...pi.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: pi.status,
    transfer_group: pi.transfer_group,
  };
}

export function chargeObject(c: FakeCharge): Stripe.Charge {
  return {
    id: c.id,
    object: "charge",
    amount: c.amount,
    amount_captured: c.amount,
    amount_refunded: c.amount_refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: null,
    captured: true,
    created: c.created,
    currency: c.currency,
    customer: null,
    description: null,
    disputed: c.disputed,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: null,
    livemode: false,
    metadata: { ...c.metadata },
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: c.payment_intent,
    payment_method: null,
    payment_method_details: null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: c.refunded,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: c.transfer_group,
  };
}

export function refundObject(r: FakeRefund): Stripe.Refund {
  return {
    id: r.id,
    object: "refund",
    amount: r.amount,
    balance_transaction: null,
    charge: r.charge,
    created: r.created,
    currency: r.currency,
    customer: null,
    customer_account: null,
    metadata: { ...r.metadata },
    payment_intent: r.payment_intent,
    payment_method: null,
    reason: r.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: r.status,
    transfer_reversal: null,
  };
}

export function disputeObject(d: FakeDispute): Stripe.Dispute {
  return {
    id: d.id,
    object: "dispute",
    amount: d.amount,
    balance_transactions: [],
    charge: d.charge,
    created: d.created,
    currency: d.currency,
    enhanced_eligibility_types: [],
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: null,
      customer_name: null,
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      enhanced_evidence: {},
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: {
      ...d.evidence_details,
      enhanced_eligibility: {},
      submission_method: d.evidence_details.submission_count > 0 ? "manual" : "not_submitted",
    },
    intended_submission_method: null,
    is_charge_refundable: d.is_charge_refundable,
    livemode: false,
    metadata: { ...d.metadata },
    payment_intent: d.payment_intent,
    reason: d.reason,
    status: d.status,
  };
}
