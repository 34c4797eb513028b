import { CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY } from "../../config/params.js";
import { defineCallable } from "../../shared/callable.js";

/** `reconcileBooking`: an admin compares one booking with Cal.com and Stripe and heals the drift (or only reports it, `dryRun`). */
export const reconcileBooking = defineCallable({
  name: "reconcileBooking",
  auth: "required",
  options: { secrets: [CALCOM_API_KEY, CREDENTIALS_KEYRING, STRIPE_SECRET_KEY] },
  load: async () => {
    const [schemas, service, { getDependencies }, { AppError }] = await Promise.all([
      import("./reconciliation.schemas.js"),
      import("./reconciliation.service.js"),
      import("../../composition-root.js"),
      import("../../domain/errors.js"),
    ]);
    return {
      input: schemas.ReconcileBookingInputSchema,
      handler: (input, caller) => {
        if (!caller.isAdmin) throw new AppError("auth/permission-denied", "Only an admin can reconcile a booking.");
        const deps = getDependencies();
        return service.reconcileBooking(input.bookingId, { dryRun: input.dryRun, runId: `admin-${deps.now().getTime()}` }, deps);
      },
    };
  },
});
