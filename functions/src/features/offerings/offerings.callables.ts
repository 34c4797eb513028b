import { defineCallable } from "../../shared/callable.js";
import { RemoveOfferingInputSchema, SaveOfferingInputSchema } from "./offerings.schemas.js";
import { removeOffering as remove, saveOffering as save } from "./offerings.service.js";

/** `saveOffering`: a coach adds or changes one of their offerings (price, duration, title). */
export const saveOffering = defineCallable({
  name: "saveOffering",
  input: SaveOfferingInputSchema,
  auth: "required",
  handler: (input, caller) => save(input, caller),
});

/** `removeOffering`: a coach removes one of their offerings. */
export const removeOffering = defineCallable({
  name: "removeOffering",
  input: RemoveOfferingInputSchema,
  auth: "required",
  handler: (input, caller) => remove(input, caller),
});
