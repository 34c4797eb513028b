import { auth } from "firebase-functions/v1";

/**
 * `onAuthUserDeleted`: an Auth user deleted anywhere (the console, the Admin SDK, `deleteMyAccount`)
 * has their data erased as `deleteMyAccount` does. Version 1 because the second generation has no
 * user-deletion event (its identity triggers are blocking ones, before sign-up and sign-in). After
 * `deleteMyAccount` it finds nothing left to do.
 */
export const onAuthUserDeleted = auth.user().onDelete(async (user) => {
  // Erasure calls no far end (the booking trigger carries out the cancellations): the clock is all it needs.
  const { eraseAccount } = await import("./deletion.service.js");
  await eraseAccount(user.uid, "auth", { now: () => new Date() });
});
