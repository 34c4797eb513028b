import { defineCallable } from "../../shared/callable.js";

/** `saveSchedulingLimits`: a coach sets notice, window, buffers, slot interval, student cut-off and unpaid-hold cap. */
export const saveSchedulingLimits = defineCallable({
  name: "saveSchedulingLimits",
  auth: "required",
  load: async () => {
    const service = await import("./limits.service.js");
    return { input: service.SaveSchedulingLimitsInputSchema, handler: (input, caller) => service.saveSchedulingLimits(input, caller) };
  },
});
