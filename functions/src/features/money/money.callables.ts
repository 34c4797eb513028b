import { defineCallable } from "../../shared/callable.js";
import { getDependencies } from "../../shared/dependencies.js";
import { CoachStatementInputSchema, QuoteCancellationInputSchema, QuoteRescheduleInputSchema, SaveCancellationPolicyInputSchema } from "./money.schemas.js";
import * as money from "./money.service.js";

/** `saveCancellationPolicy`: a coach sets their tiers; bookings already made keep the policy they were made under. */
export const saveCancellationPolicy = defineCallable({
  name: "saveCancellationPolicy",
  input: SaveCancellationPolicyInputSchema,
  auth: "required",
  handler: (input, caller) => money.saveCancellationPolicy(input, caller),
});

/** `quoteCancellation`: the refund a cancellation would give now, and until when. */
export const quoteCancellation = defineCallable({
  name: "quoteCancellation",
  input: QuoteCancellationInputSchema,
  auth: "required",
  handler: (input, caller) => money.quoteCancellation(input, caller, getDependencies()),
});

/** `quoteReschedule`: the price difference a move would charge or refund. */
export const quoteReschedule = defineCallable({
  name: "quoteReschedule",
  input: QuoteRescheduleInputSchema,
  auth: "required",
  handler: (input, caller) => money.quoteReschedule(input, caller, getDependencies()),
});

/** `coachStatement`: a coach's captured, refunded and disputed money per booking and currency, with a CSV. */
export const coachStatement = defineCallable({
  name: "coachStatement",
  input: CoachStatementInputSchema,
  auth: "required",
  handler: (input, caller) => money.coachStatement(input, caller),
});
