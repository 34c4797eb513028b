import { CALCOM_API_KEY, CREDENTIALS_KEYRING } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

/** `connectCalcomAccount`: a coach connects their own Cal.com account with an API key. */
export const connectCalcomAccount = defineCallable({
  name: "connectCalcomAccount",
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await Promise.all([
      import("./calcom-accounts.schemas.js"),
      import("./calcom-accounts.service.js"),
      import("../../composition-root.js"),
    ]);
    return {
      input: schemas.ConnectCalcomAccountInputSchema,
      handler: (input, caller) => service.connectCalcomAccount(input, caller, getDependencies()),
    };
  },
});
