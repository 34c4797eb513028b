import { defineCallable } from "../../shared/callable.js";

const modules = () => Promise.all([import("./money.schemas.js"), import("./money.service.js"), import("../../composition-root.js")]);

/** `saveCancellationPolicy`: a coach sets their tiers; bookings already made keep the policy they were made under. */
export const saveCancellationPolicy = defineCallable({
  name: "saveCancellationPolicy",
  auth: "required",
  load: async () => {
    const [schemas, money] = await modules();
    return { input: schemas.SaveCancellationPolicyInputSchema, handler: (input, caller) => money.saveCancellationPolicy(input, caller) };
  },
});

/** `quoteCancellation`: the refund a cancellation would give now, and until when. */
export const quoteCancellation = defineCallable({
  name: "quoteCancellation",
  auth: "required",
  load: async () => {
    const [schemas, money, { getDependencies }] = await modules();
    return {
      input: schemas.QuoteCancellationInputSchema,
      handler: (input, caller) => money.quoteCancellation(input, caller, getDependencies()),
    };
  },
});

/** `quoteReschedule`: the price difference a move would charge or refund. */
export const quoteReschedule = defineCallable({
  name: "quoteReschedule",
  auth: "required",
  load: async () => {
    const [schemas, money, { getDependencies }] = await modules();
    return {
      input: schemas.QuoteRescheduleInputSchema,
      handler: (input, caller) => money.quoteReschedule(input, caller, getDependencies()),
    };
  },
});

/** `coachStatement`: a coach's captured, refunded and disputed money per booking and currency, with a CSV. */
export const coachStatement = defineCallable({
  name: "coachStatement",
  auth: "required",
  load: async () => {
    const [schemas, money] = await modules();
    return { input: schemas.CoachStatementInputSchema, handler: (input, caller) => money.coachStatement(input, caller) };
  },
});

/** `platformStatement`: an admin's view of the platform's money per coach and currency (fees kept, transferred, held, owed), with a CSV. */
export const platformStatement = defineCallable({
  name: "platformStatement",
  auth: "required",
  load: async () => {
    const [schemas, money] = await modules();
    return { input: schemas.PlatformStatementInputSchema, handler: (input, caller) => money.platformStatement(input, caller) };
  },
});
