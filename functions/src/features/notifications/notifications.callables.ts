import { defineCallable } from "../../shared/callable.js";

const modules = () => Promise.all([import("./notifications.schemas.js"), import("./notifications.service.js")]);

/** `getNotificationPreferences`: the caller's channels per topic (defaults filled in) and email time zone. */
export const getNotificationPreferences = defineCallable({
  name: "getNotificationPreferences",
  auth: "required",
  load: async () => {
    const [schemas, service] = await modules();
    return {
      input: schemas.GetNotificationPreferencesInputSchema,
      handler: (_input, caller) => service.getNotificationPreferences(caller),
    };
  },
});

/** `setNotificationPreferences`: the caller turns email or push on or off per topic, and sets the zone their emails show times in. */
export const setNotificationPreferences = defineCallable({
  name: "setNotificationPreferences",
  auth: "required",
  load: async () => {
    const [[schemas, service], { getDependencies }] = await Promise.all([modules(), import("../../composition-root.js")]);
    return {
      input: schemas.SetNotificationPreferencesInputSchema,
      handler: (input, caller) => service.setNotificationPreferences(input, caller, getDependencies()),
    };
  },
});
