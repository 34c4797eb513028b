import { defineCallable } from "../../shared/callable.js";
import { SaveSchedulingLimitsInputSchema, saveSchedulingLimits as save } from "./limits.service.js";

/** `saveSchedulingLimits`: a coach sets notice, window, buffers, slot interval, student cut-off and unpaid-hold cap. */
export const saveSchedulingLimits = defineCallable({
  name: "saveSchedulingLimits",
  input: SaveSchedulingLimitsInputSchema,
  auth: "required",
  handler: (input, caller) => save(input, caller),
});
