import type Stripe from "stripe";
import { StripeHttpError, invalidRequest } from "./stripe-error.js";
import {
  ONBOARDING_REQUIREMENTS,
  accountLinkObject,
  accountObject,
  balanceObject,
  transferObject,
  transferReversalObject,
  type FakeAccount,
  type FakeTransfer,
  type FakeTransferReversal,
} from "./stripe-connect-objects.js";
import type { FakeCharge } from "./stripe-objects.js";

/**
 * Stripe Connect in the Stripe stand-in (docs/payments.md, "Connect in the stand-in"): connected
 * accounts and their onboarding, separate charges and transfers, reversals, and the platform's
 * balance, available and pending.
 *
 * The platform's balance is worked out from the charges, never kept as a running total: a
 * captured charge's amount (no Stripe fee is modelled) is pending until `makeAvailable`, less
 * its refunds and the transfers made from it (`source_transaction`); transfers without a source
 * come out of the available balance, reversals go back into it. A connected account's balance is
 * what was transferred to it less what was reversed, counted available at once, unless a test sets
 * it (`setConnectedBalance`, a payout having emptied it).
 */

/** What the stand-in around this needs: its charges, clock, ids, events and address. */
export interface ConnectHost {
  charges: Map<string, FakeCharge>;
  now(): number;
  newId(prefix: string): string;
  emit(type: string, object: unknown, cause: unknown, account?: string): void;
  baseUrl(): string;
}

type Params = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const metadataOf = (v: unknown): Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""))
    : {};

const ACCOUNT_LINK_LIFETIME_S = 300;

export class FakeConnect {
  readonly accounts = new Map<string, FakeAccount>();
  readonly transfers = new Map<string, FakeTransfer>();
  /** Charges whose funds have become available (the rest are pending). */
  private availableCharges = new Set<string>();
  /** Per account and currency: the balance a test set, replacing what transfers in and reversals out make. */
  private connectedOverride = new Map<string, number>();

  constructor(private readonly host: ConnectHost) {}

  reset(): void {
    this.accounts.clear();
    this.transfers.clear();
    this.availableCharges.clear();
    this.connectedOverride.clear();
  }

  // ---- test controls ----

  /** The funds of every charge captured so far (or of one) become available, as Stripe's payout schedule makes them. */
  makeAvailable(chargeId?: string): void {
    for (const id of chargeId === undefined ? this.host.charges.keys() : [chargeId]) this.availableCharges.add(id);
  }

  /** Onboarding done: details submitted, charges and payouts enabled, capabilities active, nothing due. Sends account.updated. */
  completeOnboarding(accountId: string): FakeAccount {
    const account = this.requireAccount(accountId);
    account.details_submitted = true;
    account.charges_enabled = account.capabilities.card_payments !== undefined;
    account.payouts_enabled = true;
    for (const key of Object.keys(account.capabilities) as (keyof FakeAccount["capabilities"])[]) account.capabilities[key] = "active";
    account.currently_due = [];
    account.past_due = [];
    account.disabled_reason = null;
    this.accountUpdated(account);
    return account;
  }

  /**
   * Stripe stops the account's payouts until something more is provided (an `external_account`);
   * `transfers: "inactive"` also turns its transfers capability off. Sends account.updated.
   */
  disablePayouts(
    accountId: string,
    reason: Stripe.Account.Requirements.DisabledReason,
    options: { transfers?: "inactive" | "pending" } = {},
  ): FakeAccount {
    const account = this.requireAccount(accountId);
    account.payouts_enabled = false;
    account.currently_due = [...new Set([...account.currently_due, "external_account"])];
    account.disabled_reason = reason;
    if (options.transfers) account.capabilities.transfers = options.transfers;
    this.accountUpdated(account);
    return account;
  }

  /** The connected account's balance in `currency` becomes `cents` (a payout took it, or a test needs it short). */
  setConnectedBalance(accountId: string, cents: number, currency = "eur"): void {
    this.requireAccount(accountId);
    this.connectedOverride.set(`${accountId}/${currency}`, cents - this.connectedFlow(accountId, currency));
  }

  /** The connected account's available balance in `currency`. */
  connectedBalance(accountId: string, currency: string): number {
    return this.connectedFlow(accountId, currency) + (this.connectedOverride.get(`${accountId}/${currency}`) ?? 0);
  }

  /** The platform's balance, per currency. */
  platformBalance(): { available: Map<string, number>; pending: Map<string, number> } {
    const available = new Map<string, number>();
    const pending = new Map<string, number>();
    const add = (m: Map<string, number>, currency: string, cents: number) => m.set(currency, (m.get(currency) ?? 0) + cents);
    for (const charge of this.host.charges.values()) {
      const net = charge.amount - charge.amount_refunded - this.sourcedFrom(charge.id);
      // A refund beyond what is still pending is taken from the available balance.
      if (this.availableCharges.has(charge.id) || net < 0) add(available, charge.currency, net);
      else add(pending, charge.currency, net);
    }
    for (const t of this.transfers.values()) {
      if (t.source_transaction === null) add(available, t.currency, -t.amount);
      add(available, t.currency, t.amount_reversed);
    }
    return { available, pending };
  }

  // ---- the API ----

  dispatch(method: string, path: string, p: Params, cause: unknown, stripeAccount: string | null): unknown {
    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/accounts") return accountObject(this.createAccount(p));
    if (method === "GET" && path === "/v1/accounts") {
      return this.list([...this.accounts.values()], p, "/v1/accounts", accountObject);
    }
    if ((m = /^\/v1\/accounts\/([^/]+)$/.exec(path))) {
      const account = this.requireAccount(m[1] ?? "");
      if (method === "POST") {
        if (p.metadata !== undefined) account.metadata = { ...account.metadata, ...metadataOf(p.metadata) };
        if (typeof p.email === "string") account.email = p.email;
        this.accountUpdated(account, cause);
      }
      if (method === "GET" || method === "POST") return accountObject(account);
    }
    if (method === "POST" && path === "/v1/account_links") return this.createAccountLink(p);
    if (method === "GET" && path === "/v1/balance") {
      if (stripeAccount !== null) {
        this.requireAccount(stripeAccount);
        const currencies = new Set([...this.transfers.values()].filter((t) => t.destination === stripeAccount).map((t) => t.currency));
        for (const key of this.connectedOverride.keys()) if (key.startsWith(`${stripeAccount}/`)) currencies.add(key.split("/")[1] ?? "");
        const available = new Map([...currencies].map((c) => [c, this.connectedBalance(stripeAccount, c)]));
        return balanceObject(available, new Map([...currencies].map((c) => [c, 0])));
      }
      const { available, pending } = this.platformBalance();
      return balanceObject(available, pending);
    }
    if (method === "POST" && path === "/v1/transfers") return transferObject(this.createTransfer(p, cause));
    if (method === "GET" && path === "/v1/transfers") {
      const matching = [...this.transfers.values()].filter(
        (t) =>
          (typeof p.transfer_group !== "string" || t.transfer_group === p.transfer_group) &&
          (typeof p.destination !== "string" || t.destination === p.destination),
      );
      return this.list(matching, p, "/v1/transfers", transferObject);
    }
    if (method === "GET" && (m = /^\/v1\/transfers\/([^/]+)$/.exec(path))) return transferObject(this.requireTransfer(m[1] ?? ""));
    if (method === "POST" && (m = /^\/v1\/transfers\/([^/]+)\/reversals$/.exec(path)))
      return transferReversalObject(this.createReversal(m[1] ?? "", p, cause));
    return undefined;
  }

  // ---- inside ----

  private list<T extends { id: string; created: number }>(items: T[], p: Params, url: string, render: (x: T) => unknown) {
    // Newest first, as Stripe lists; `starting_after` pages on from an id.
    const sorted = items.map((x, i) => ({ x, i })).sort((a, b) => b.x.created - a.x.created || b.i - a.i);
    const after = str(p.starting_after);
    const from = after === undefined ? 0 : sorted.findIndex((e) => e.x.id === after) + 1;
    const limit = Number(p.limit ?? 10);
    const page = sorted.slice(from, from + limit);
    return { object: "list", url, has_more: sorted.length > from + limit, data: page.map((e) => render(e.x)) };
  }

  private requireAccount(accountId: string): FakeAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw new StripeHttpError(404, "invalid_request_error", `No such account: '${accountId}'`, "resource_missing", "account");
    return account;
  }

  private requireTransfer(transferId: string): FakeTransfer {
    const transfer = this.transfers.get(transferId);
    if (!transfer) throw new StripeHttpError(404, "invalid_request_error", `No such transfer: '${transferId}'`, "resource_missing", "id");
    return transfer;
  }

  /** `cause`: the API request that changed the account, or none when Stripe changed it (onboarding, a review). */
  private accountUpdated(account: FakeAccount, cause: unknown = null): void {
    // A Connect event: it happened on the connected account, which the top-level `account` names.
    this.host.emit("account.updated", accountObject(account), cause, account.id);
  }

  private createAccount(p: Params): FakeAccount {
    const controller = (p.controller ?? {}) as { stripe_dashboard?: { type?: string }; requirement_collection?: string };
    const dashboard = controller.stripe_dashboard?.type;
    const type: Stripe.Account.Type = str(p.type) ?? (dashboard === "express" ? "express" : dashboard === "full" ? "standard" : "none");
    const requested = (p.capabilities ?? {}) as Record<string, { requested?: string }>;
    const capabilities: FakeAccount["capabilities"] = {};
    if (requested.card_payments?.requested === "true") capabilities.card_payments = "inactive";
    if (requested.transfers?.requested === "true") capabilities.transfers = "inactive";
    const account: FakeAccount = {
      id: this.host.newId("acct"),
      object: "account",
      type,
      email: str(p.email) ?? null,
      country: str(p.country) ?? "DE",
      metadata: metadataOf(p.metadata),
      created: Math.floor(this.host.now() / 1000),
      details_submitted: false,
      charges_enabled: false,
      payouts_enabled: false,
      capabilities,
      currently_due: [...ONBOARDING_REQUIREMENTS],
      past_due: [...ONBOARDING_REQUIREMENTS],
      disabled_reason: "requirements.past_due",
      controller: {
        type: "application",
        is_controller: true,
        requirement_collection: controller.requirement_collection === "application" ? "application" : "stripe",
        stripe_dashboard: { type: dashboard === "full" || dashboard === "none" ? dashboard : "express" },
      },
    };
    this.accounts.set(account.id, account);
    return account;
  }

  private createAccountLink(p: Params): Stripe.AccountLink {
    const accountId = str(p.account) ?? "";
    if (!this.accounts.has(accountId))
      throw new StripeHttpError(400, "invalid_request_error", `No such account: '${accountId}'`, "resource_missing", "account");
    if (p.type !== "account_onboarding") throw invalidRequest("The stand-in makes only account_onboarding links.", "type");
    const created = Math.floor(this.host.now() / 1000);
    const back = str(p.return_url) ?? "";
    const url = `${this.host.baseUrl()}/__standin/connect/onboard/${accountId}?return=${encodeURIComponent(back)}`;
    return accountLinkObject(url, created, created + ACCOUNT_LINK_LIFETIME_S);
  }

  private sourcedFrom(chargeId: string): number {
    return [...this.transfers.values()].filter((t) => t.source_transaction === chargeId).reduce((sum, t) => sum + t.amount, 0);
  }

  private connectedFlow(accountId: string, currency: string): number {
    return [...this.transfers.values()]
      .filter((t) => t.destination === accountId && t.currency === currency)
      .reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
  }

  private createTransfer(p: Params, cause: unknown): FakeTransfer {
    const destination = str(p.destination) ?? "";
    const account = this.accounts.get(destination);
    if (!account)
      throw new StripeHttpError(400, "invalid_request_error", `No such destination: '${destination}'`, "resource_missing", "destination");
    if (account.capabilities.transfers !== "active")
      throw invalidRequest(
        "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
        "destination",
      );
    if (p.amount === undefined) throw invalidRequest("The stand-in makes only transfers of a given amount.", "amount");
    const amount = Number(p.amount);
    if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", "amount");
    const currency = String(p.currency).toLowerCase();
    const sourceId = str(p.source_transaction) ?? null;
    if (sourceId !== null) {
      const charge = this.host.charges.get(sourceId);
      if (!charge)
        throw new StripeHttpError(400, "invalid_request_error", `No such charge: '${sourceId}'`, "resource_missing", "source_transaction");
      if (charge.currency !== currency)
        throw invalidRequest(
          `The currency of source_transaction's balance transaction (${charge.currency}) must match ${currency}.`,
          "currency",
        );
      // A pending charge may be transferred from: the transfer waits with its funds. Never beyond the charge.
      const left = charge.amount - this.sourcedFrom(charge.id);
      if (amount > left)
        throw invalidRequest(`Transfer amount (${amount}) exceeds what is left to transfer from charge ${charge.id} (${left}).`, "amount");
    } else if ((this.platformBalance().available.get(currency) ?? 0) < amount) {
      throw new StripeHttpError(
        400,
        "invalid_request_error",
        "You have insufficient available funds in your Stripe account. Funds from a pending charge can be transferred with source_transaction.",
        "balance_insufficient",
      );
    }
    const transfer: FakeTransfer = {
      id: this.host.newId("tr"),
      object: "transfer",
      amount,
      amount_reversed: 0,
      currency,
      destination,
      source_transaction: sourceId,
      transfer_group: str(p.transfer_group) ?? null,
      description: str(p.description) ?? null,
      metadata: metadataOf(p.metadata),
      created: Math.floor(this.host.now() / 1000),
      reversals: [],
    };
    this.transfers.set(transfer.id, transfer);
    this.host.emit("transfer.created", transferObject(transfer), cause);
    return transfer;
  }

  private createReversal(transferId: string, p: Params, cause: unknown): FakeTransferReversal {
    const transfer = this.requireTransfer(transferId);
    const left = transfer.amount - transfer.amount_reversed;
    const amount = p.amount === undefined ? left : Number(p.amount);
    if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", "amount");
    if (amount > left)
      throw invalidRequest(`Reversal amount (${amount}) is greater than what is left of transfer ${transfer.id} (${left}).`, "amount");
    // Stripe's code for this refusal is not known to us: none is sent (docs/stand-ins.md).
    if (this.connectedBalance(transfer.destination, transfer.currency) < amount)
      throw invalidRequest(`Insufficient funds in account ${transfer.destination} to reverse this transfer.`, "amount");
    const reversal: FakeTransferReversal = {
      id: this.host.newId("trr"),
      object: "transfer_reversal",
      amount,
      currency: transfer.currency,
      transfer: transfer.id,
      metadata: metadataOf(p.metadata),
      created: Math.floor(this.host.now() / 1000),
    };
    transfer.reversals.push(reversal);
    transfer.amount_reversed += amount;
    this.host.emit("transfer.reversed", transferObject(transfer), cause);
    return reversal;
  }
}
