import { defineCallable } from "../../shared/callable.js";

const modules = () =>
  Promise.all([import("./offerings.schemas.js"), import("./offerings.service.js"), import("../../composition-root.js")]);

/** `saveOffering`: a coach adds or changes one of their offerings (price, duration, title). */
export const saveOffering = defineCallable({
  name: "saveOffering",
  auth: "required",
  load: async () => {
    const [schemas, service] = await modules();
    return { input: schemas.SaveOfferingInputSchema, handler: (input, caller) => service.saveOffering(input, caller) };
  },
});

/** `removeOffering`: a coach takes one of their offerings off sale (its booked sessions keep it). */
export const removeOffering = defineCallable({
  name: "removeOffering",
  auth: "required",
  load: async () => {
    const [schemas, service, { getDependencies }] = await modules();
    return {
      input: schemas.RemoveOfferingInputSchema,
      handler: (input, caller) => service.removeOffering(input, caller, getDependencies()),
    };
  },
});
