import { CALCOM_API_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";
import { getDependencies } from "../../shared/dependencies.js";
import { GetAvailableSlotsInputSchema, SyncAvailabilityInputSchema } from "./availability.schemas.js";
import { getAvailableSlots as slots, syncAvailability as sync } from "./availability.service.js";

/** `syncAvailability`: the coach saves their weekly availability and syncs it with Cal.com. */
export const syncAvailability = defineCallable({
  name: "syncAvailability",
  input: SyncAvailabilityInputSchema,
  auth: "required",
  options: { secrets: [CALCOM_API_KEY] },
  handler: (input, caller) => sync(input, caller, getDependencies()),
});

/** `getAvailableSlots`: any signed-in user lists a coach's free slots for one offering. */
export const getAvailableSlots = defineCallable({
  name: "getAvailableSlots",
  input: GetAvailableSlotsInputSchema,
  auth: "required",
  options: { secrets: [CALCOM_API_KEY] },
  handler: (input, caller) => slots(input, caller, getDependencies()),
});
