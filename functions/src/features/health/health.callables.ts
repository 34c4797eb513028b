import { ALL_SECRETS } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

/** `getHealth`: public; reports version, runtime and which far ends are configured. */
export const getHealth = defineCallable({
  name: "getHealth",
  auth: "optional",
  options: { secrets: ALL_SECRETS },
  load: async () => {
    const [{ z }, { getConfig }, { healthReport }] = await Promise.all([
      import("zod"),
      import("../../config/runtime-config.js"),
      import("./health.service.js"),
    ]);
    return { input: z.union([z.null(), z.undefined(), z.object({}).strict()]), handler: () => Promise.resolve(healthReport(getConfig())) };
  },
});
