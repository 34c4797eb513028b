import { defineCallable } from "../../shared/callable.js";

const schemas = () => import("./personal-data.schemas.js");

/** `exportMyData`: everything held about the caller (or, for an admin, about `uid`), as JSON. */
export const exportMyData = defineCallable({
  name: "exportMyData",
  auth: "required",
  load: async () => {
    const [{ PersonalDataInputSchema }, service] = await Promise.all([schemas(), import("./export.service.js")]);
    return { input: PersonalDataInputSchema, handler: (input, caller) => service.exportMyData(input, caller) };
  },
});

/**
 * `deleteMyAccount`: cancels the caller's live bookings by the usual rules, erases their personal
 * data, keeps the money records without it, and deletes the Auth user (an admin may name `uid`).
 */
export const deleteMyAccount = defineCallable({
  name: "deleteMyAccount",
  auth: "required",
  load: async () => {
    const [{ PersonalDataInputSchema }, service] = await Promise.all([schemas(), import("./deletion.service.js")]);
    // Erasure calls no far end (the booking trigger carries out the cancellations): the clock is all it needs.
    return {
      input: PersonalDataInputSchema,
      handler: (input, caller) => service.deleteMyAccount(input, caller, { now: () => new Date() }),
    };
  },
});
