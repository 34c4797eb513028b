import Stripe from "stripe";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import { connectedAccountOf, type ConnectedAccountOut } from "../../domain/stripe-views.js";
import type { PaymentsGateway, TransferOut, TransferReversalOut } from "../../ports/payments.port.js";

/**
 * Stripe Connect for the payments gateway: coaches' Express accounts, onboarding links, transfers
 * of their share and reversals of it (separate charges and transfers). Each answer is parsed for
 * the fields we read. Stripe's errors are thrown as they come (the gateway maps them), except
 * where Stripe's code for a refusal is not known to us: then the state that makes Stripe refuse is
 * read back and, if it explains the refusal, the matching AppError is thrown.
 */

const MetadataSchema = z.record(z.string(), z.string());

const AccountLinkAnswerSchema = z.looseObject({ object: z.literal("account_link"), url: z.url(), expires_at: z.int() });

/** An expandable reference: the id, or the object carrying it. */
const RefSchema = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) }).transform((o) => o.id)]);

const TransferAnswerSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal("transfer"),
  amount: z.int().min(0),
  amount_reversed: z.int().min(0),
  currency: z.string().length(3),
  destination: RefSchema,
  source_transaction: RefSchema.nullable(),
  transfer_group: z.string().nullable(),
  metadata: MetadataSchema,
  created: z.int(),
});

const ReversalAnswerSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal("transfer_reversal"),
  amount: z.int().min(0),
  transfer: RefSchema,
});

const LatestChargeSchema = z.looseObject({ latest_charge: z.string().min(1).nullable() });
const ChargeAnswerSchema = z.looseObject({ id: z.string().min(1), amount: z.int().min(0), currency: z.string().length(3) });

const BalanceAmountsSchema = z.array(z.looseObject({ amount: z.int(), currency: z.string() }));
const BalanceAnswerSchema = z.looseObject({ available: BalanceAmountsSchema, pending: BalanceAmountsSchema.default([]) });

const accountOut = connectedAccountOf;

function transferOut(raw: unknown): TransferOut {
  const t = TransferAnswerSchema.parse(raw);
  return {
    transferId: t.id,
    amountCents: t.amount,
    currency: t.currency,
    destination: t.destination,
    sourceTransaction: t.source_transaction,
    transferGroup: t.transfer_group,
    reversedCents: t.amount_reversed,
    metadata: t.metadata,
    createdAt: new Date(t.created * 1000).toISOString(),
  };
}

/** A refusal whose code Stripe does not document for this case: only the state read back tells why. */
const unexplained = (err: unknown): boolean =>
  err instanceof Stripe.errors.StripeInvalidRequestError && err.code !== "balance_insufficient";

export async function createConnectedAccount(
  stripe: Stripe,
  input: Parameters<PaymentsGateway["createConnectedAccount"]>[0],
): Promise<ConnectedAccountOut> {
  // Controller properties, as Stripe now documents in place of `type: "express"`: the Express
  // Dashboard, the platform pays Stripe's fees and bears losses, Stripe collects requirements.
  // Under the full service agreement Stripe asks `card_payments` to go with `transfers`.
  const account = await stripe.accounts.create(
    {
      controller: {
        stripe_dashboard: { type: "express" },
        fees: { payer: "application" },
        losses: { payments: "application" },
        requirement_collection: "stripe",
      },
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      metadata: { coachId: input.coachId },
      ...(input.email ? { email: input.email } : {}),
      ...(input.country ? { country: input.country } : {}),
    },
    { idempotencyKey: input.idempotencyKey },
  );
  return accountOut(account);
}

export async function retrieveConnectedAccount(stripe: Stripe, accountId: string): Promise<ConnectedAccountOut> {
  return accountOut(await stripe.accounts.retrieve(accountId));
}

export async function createAccountLink(
  stripe: Stripe,
  input: Parameters<PaymentsGateway["createAccountLink"]>[0],
): Promise<{ url: string; expiresAt: string }> {
  const link = AccountLinkAnswerSchema.parse(
    await stripe.accountLinks.create({
      account: input.accountId,
      type: "account_onboarding",
      refresh_url: input.refreshUrl,
      return_url: input.returnUrl,
    }),
  );
  return { url: link.url, expiresAt: new Date(link.expires_at * 1000).toISOString() };
}

export async function chargeOfPayment(
  stripe: Stripe,
  paymentIntentId: string,
): Promise<{ chargeId: string; amountCents: number; currency: string } | null> {
  const { latest_charge: latest } = LatestChargeSchema.parse(await stripe.paymentIntents.retrieve(paymentIntentId));
  if (latest === null) return null;
  const charge = ChargeAnswerSchema.parse(await stripe.charges.retrieve(latest));
  return { chargeId: charge.id, amountCents: charge.amount, currency: charge.currency };
}

export async function createTransfer(stripe: Stripe, input: Parameters<PaymentsGateway["createTransfer"]>[0]): Promise<TransferOut> {
  try {
    const transfer = await stripe.transfers.create(
      {
        amount: input.amountCents,
        currency: input.currency,
        destination: input.destination,
        ...(input.sourceTransaction === null ? {} : { source_transaction: input.sourceTransaction }),
        transfer_group: input.transferGroup,
        metadata: input.metadata,
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return transferOut(transfer);
  } catch (err) {
    if (unexplained(err)) {
      const account = await retrieveConnectedAccount(stripe, input.destination).catch(() => null);
      if (account && !account.transfersActive) {
        throw new AppError("payment/account-not-ready", "The coach's payout account cannot receive transfers yet.", {
          details: { accountId: account.accountId, requirementsDue: account.requirementsDue },
          cause: err,
        });
      }
    }
    throw err;
  }
}

export async function createTransferReversal(
  stripe: Stripe,
  input: Parameters<PaymentsGateway["createTransferReversal"]>[0],
): Promise<TransferReversalOut> {
  try {
    const reversal = ReversalAnswerSchema.parse(
      await stripe.transfers.createReversal(
        input.transferId,
        { amount: input.amountCents, metadata: input.metadata },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    return { reversalId: reversal.id, transferId: reversal.transfer, amountCents: reversal.amount };
  } catch (err) {
    if (unexplained(err) && (await connectedBalanceShort(stripe, input.transferId, input.amountCents))) {
      throw new AppError("payment/insufficient-funds", "The coach's balance cannot cover this reversal now.", {
        details: { transferId: input.transferId },
        cause: err,
      });
    }
    throw err;
  }
}

/** Whether the connected account a transfer went to has less available, in its currency, than `amountCents`. */
async function connectedBalanceShort(stripe: Stripe, transferId: string, amountCents: number): Promise<boolean> {
  try {
    const transfer = transferOut(await stripe.transfers.retrieve(transferId));
    const balance = BalanceAnswerSchema.parse(await stripe.balance.retrieve({}, { stripeAccount: transfer.destination }));
    const available = balance.available.filter((b) => b.currency === transfer.currency).reduce((sum, b) => sum + b.amount, 0);
    return available < amountCents;
  } catch {
    // Unable to tell: the original refusal stands.
    return false;
  }
}

export async function listTransfers(stripe: Stripe, transferGroup: string): Promise<TransferOut[]> {
  const out: TransferOut[] = [];
  for await (const t of stripe.transfers.list({ transfer_group: transferGroup, limit: 100 })) out.push(transferOut(t));
  return out;
}

export async function connectedBalance(stripe: Stripe, accountId: string, currency: string): Promise<number> {
  const balance = BalanceAnswerSchema.parse(await stripe.balance.retrieve({}, { stripeAccount: accountId }));
  const wanted = currency.toLowerCase();
  return [...balance.available, ...balance.pending].filter((b) => b.currency === wanted).reduce((sum, b) => sum + b.amount, 0);
}
