import { defineCallable } from "../../shared/callable.js";

const modules = () => Promise.all([import("./catalog.schemas.js"), import("./catalog.service.js")]);

/** `saveCoachProfile`: a coach writes their catalog profile (headline, bio, photo, languages, specialties, published). */
export const saveCoachProfile = defineCallable({
  name: "saveCoachProfile",
  auth: "required",
  load: async () => {
    const [schemas, service] = await modules();
    return { input: schemas.SaveCoachProfileInputSchema, handler: (input, caller) => service.saveCoachProfile(input, caller) };
  },
});

/** `setCoachListing`: an admin approves or unpublishes a coach, or rewrites their catalog document. */
export const setCoachListing = defineCallable({
  name: "setCoachListing",
  auth: "required",
  load: async () => {
    const [[schemas, service], { getDependencies }] = await Promise.all([modules(), import("../../composition-root.js")]);
    return {
      input: schemas.SetCoachListingInputSchema,
      handler: (input, caller) => service.setCoachListing(input, caller, getDependencies()),
    };
  },
});

/** `listCoaches`: a page of listed coaches, filtered by specialty, language, currency and price. */
export const listCoaches = defineCallable({
  name: "listCoaches",
  auth: "optional",
  load: async () => {
    const [schemas, service] = await modules();
    return { input: schemas.ListCoachesInputSchema, handler: (input, caller) => service.listCoaches(input, caller) };
  },
});

/** `getCoach`: one listed coach's public profile and bookable offerings. */
export const getCoach = defineCallable({
  name: "getCoach",
  auth: "optional",
  load: async () => {
    const [schemas, service] = await modules();
    return { input: schemas.GetCoachInputSchema, handler: (input, caller) => service.getCoach(input, caller) };
  },
});
