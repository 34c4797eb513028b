import { defineCallable } from "../../shared/callable.js";

/** `saveSchedulingLimits`: a coach sets notice, window, buffers, slot interval, student cut-off and unpaid-hold cap. */
export const saveSchedulingLimits = defineCallable({
  name: "saveSchedulingLimits",
  auth: "required",
  load: async () => {
    const [schemas, service] = await Promise.all([import("./limits.schemas.js"), import("./limits.service.js")]);
    return { input: schemas.SaveSchedulingLimitsInputSchema, handler: (input, caller) => service.saveSchedulingLimits(input, caller) };
  },
});
