import { CALCOM_API_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";
import { getDependencies } from "../../shared/dependencies.js";
import { ConnectCalcomAccountInputSchema, connectCalcomAccount as connect } from "./calcom-accounts.service.js";

/** `connectCalcomAccount`: a coach connects their own Cal.com account with an API key. */
export const connectCalcomAccount = defineCallable({
  name: "connectCalcomAccount",
  input: ConnectCalcomAccountInputSchema,
  auth: "required",
  options: { secrets: [CALCOM_API_KEY] },
  handler: (input, caller) => connect(input, caller, getDependencies()),
});
