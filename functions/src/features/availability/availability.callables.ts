import { CALCOM_API_KEY, CREDENTIALS_KEYRING } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

const modules = () =>
  Promise.all([import("./availability.schemas.js"), import("./availability.service.js"), import("../../composition-root.js")]);

/** `syncAvailability`: the coach saves their weekly availability and syncs it with Cal.com. */
export const syncAvailability = defineCallable({
  name: "syncAvailability",
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return {
      input: schemas.SyncAvailabilityInputSchema,
      handler: (input, caller) => service.syncAvailability(input, caller, getDependencies()),
    };
  },
});

/** `getAvailableSlots`: any signed-in user lists a coach's free slots for one offering. */
export const getAvailableSlots = defineCallable({
  name: "getAvailableSlots",
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING] },
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return {
      input: schemas.GetAvailableSlotsInputSchema,
      handler: (input, caller) => service.getAvailableSlots(input, caller, getDependencies()),
    };
  },
});
