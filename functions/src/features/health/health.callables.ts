import { z } from "zod";
import { ALL_SECRETS } from "../../config/params.js";
import { getConfig } from "../../config/runtime-config.js";
import { defineCallable } from "../../shared/callable.js";
import { healthReport } from "./health.service.js";

/** `getHealth`: public; reports version, runtime and which far ends are configured. */
export const getHealth = defineCallable({
  name: "getHealth",
  input: z.union([z.null(), z.undefined(), z.object({}).strict()]),
  auth: "optional",
  options: { secrets: ALL_SECRETS },
  handler: () => Promise.resolve(healthReport(getConfig())),
});
