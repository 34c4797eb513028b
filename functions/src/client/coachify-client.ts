/**
 * The typed client for apps: one method per callable, its request checked with the same zod
 * schema the function parses (a bad request fails here, before it is sent), its answer typed as
 * the function returns it. Runtime imports are the schemas only (zod and the pure domain), so a
 * web or mobile bundle pays for nothing else; the answer types are erased at build.
 *
 * ```ts
 * import { getFunctions, httpsCallable } from "firebase/functions";
 * const fns = getFunctions(app, "us-central1");
 * const api = coachifyClient(async (name, data) => (await httpsCallable(fns, name)(data)).data);
 * const { bookingId, checkoutUrl } = await api.createBooking({ coachId, eventTypeId, offeringId, userId, startTime, endTime });
 * ```
 */
import type { z } from "zod";
import { CompleteBookingInputSchema, MarkNoShowInputSchema, ResolveNoShowInputSchema } from "../features/attendance/attendance.schemas.js";
import type { AttendanceOut } from "../features/attendance/attendance.service.js";
import { GetAvailableSlotsInputSchema, SyncAvailabilityInputSchema } from "../features/availability/availability.schemas.js";
import type { getAvailableSlots, syncAvailability } from "../features/availability/availability.service.js";
import { ConfirmBookingInputSchema, CreateBookingInputSchema } from "../features/bookings/bookings.schemas.js";
import type { confirmBookingByCaller, createBooking } from "../features/bookings/bookings.service.js";
import { ConnectCalcomAccountInputSchema } from "../features/calcom-accounts/calcom-accounts.schemas.js";
import type { connectCalcomAccount } from "../features/calcom-accounts/calcom-accounts.service.js";
import { CancelBookingInputSchema } from "../features/cancellations/cancellations.schemas.js";
import type { cancelBooking } from "../features/cancellations/cancellations.service.js";
import {
  GetCoachInputSchema,
  ListCoachesInputSchema,
  SaveCoachProfileInputSchema,
  SetCoachListingInputSchema,
} from "../features/catalog/catalog.schemas.js";
import type { getCoach, listCoaches, saveCoachProfile, setCoachListing } from "../features/catalog/catalog.service.js";
import type { HealthReport } from "../features/health/health.service.js";
import { SaveSchedulingLimitsInputSchema } from "../features/limits/limits.schemas.js";
import type { saveSchedulingLimits } from "../features/limits/limits.service.js";
import {
  CoachStatementInputSchema,
  PlatformStatementInputSchema,
  QuoteCancellationInputSchema,
  QuoteRescheduleInputSchema,
  SaveCancellationPolicyInputSchema,
} from "../features/money/money.schemas.js";
import type {
  coachStatement,
  platformStatement,
  quoteCancellation,
  quoteReschedule,
  saveCancellationPolicy,
} from "../features/money/money.service.js";
import { RemoveOfferingInputSchema, SaveOfferingInputSchema } from "../features/offerings/offerings.schemas.js";
import type { removeOffering, saveOffering } from "../features/offerings/offerings.service.js";
import type { deleteMyAccount } from "../features/personal-data/deletion.service.js";
import type { exportMyData } from "../features/personal-data/export.service.js";
import {
  GetNotificationPreferencesInputSchema,
  SetNotificationPreferencesInputSchema,
} from "../features/notifications/notifications.schemas.js";
import type { getNotificationPreferences, setNotificationPreferences } from "../features/notifications/notifications.service.js";
import { SetCoachPlatformFeeInputSchema, StartPayoutOnboardingInputSchema } from "../features/payouts/payouts.schemas.js";
import type { startPayoutOnboarding } from "../features/payouts/payouts.service.js";
import type { setCoachPlatformFee } from "../features/payouts/platform-fee.service.js";
import { PersonalDataInputSchema } from "../features/personal-data/personal-data.schemas.js";
import { ReconcileBookingInputSchema } from "../features/reconciliation/reconciliation.schemas.js";
import type { BookingReconciliation } from "../features/reconciliation/reconciliation.service.js";
import { RescheduleBookingInputSchema } from "../features/reschedules/reschedules.schemas.js";
import type { rescheduleBooking } from "../features/reschedules/reschedules.service.js";

/** Sends one callable request and resolves with its `result` (Firebase's `httpsCallable`, or a plain HTTP POST). */
export type Transport = (name: string, data: unknown) => Promise<unknown>;

type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
type Method<S extends z.ZodType, R> = (input: z.input<S>) => Promise<R>;

function method<S extends z.ZodType, R>(transport: Transport, name: string, schema: S): Method<S, R> {
  return async (input) => (await transport(name, schema.parse(input))) as R;
}

export function coachifyClient(transport: Transport) {
  return {
    getHealth: async (): Promise<HealthReport> => (await transport("getHealth", null)) as HealthReport,
    connectCalcomAccount: method<typeof ConnectCalcomAccountInputSchema, Answer<typeof connectCalcomAccount>>(
      transport,
      "connectCalcomAccount",
      ConnectCalcomAccountInputSchema,
    ),
    syncAvailability: method<typeof SyncAvailabilityInputSchema, Answer<typeof syncAvailability>>(
      transport,
      "syncAvailability",
      SyncAvailabilityInputSchema,
    ),
    getAvailableSlots: method<typeof GetAvailableSlotsInputSchema, Answer<typeof getAvailableSlots>>(
      transport,
      "getAvailableSlots",
      GetAvailableSlotsInputSchema,
    ),
    saveOffering: method<typeof SaveOfferingInputSchema, Answer<typeof saveOffering>>(transport, "saveOffering", SaveOfferingInputSchema),
    removeOffering: method<typeof RemoveOfferingInputSchema, Answer<typeof removeOffering>>(
      transport,
      "removeOffering",
      RemoveOfferingInputSchema,
    ),
    saveSchedulingLimits: method<typeof SaveSchedulingLimitsInputSchema, Answer<typeof saveSchedulingLimits>>(
      transport,
      "saveSchedulingLimits",
      SaveSchedulingLimitsInputSchema,
    ),
    saveCoachProfile: method<typeof SaveCoachProfileInputSchema, Answer<typeof saveCoachProfile>>(
      transport,
      "saveCoachProfile",
      SaveCoachProfileInputSchema,
    ),
    setCoachListing: method<typeof SetCoachListingInputSchema, Answer<typeof setCoachListing>>(
      transport,
      "setCoachListing",
      SetCoachListingInputSchema,
    ),
    /** The catalog: a page of listed coaches; `nextPageToken` (null on the last page) fetches the next one. */
    listCoaches: method<typeof ListCoachesInputSchema, Answer<typeof listCoaches>>(transport, "listCoaches", ListCoachesInputSchema),
    /** One listed coach: profile, bookable offerings (with the `eventTypeId` getAvailableSlots and createBooking take), prices, policy in words, limits. */
    getCoach: method<typeof GetCoachInputSchema, Answer<typeof getCoach>>(transport, "getCoach", GetCoachInputSchema),
    createBooking: method<typeof CreateBookingInputSchema, Answer<typeof createBooking>>(
      transport,
      "createBooking",
      CreateBookingInputSchema,
    ),
    confirmBooking: method<typeof ConfirmBookingInputSchema, Answer<typeof confirmBookingByCaller>>(
      transport,
      "confirmBooking",
      ConfirmBookingInputSchema,
    ),
    markNoShow: method<typeof MarkNoShowInputSchema, AttendanceOut>(transport, "markNoShow", MarkNoShowInputSchema),
    resolveNoShow: method<typeof ResolveNoShowInputSchema, AttendanceOut>(transport, "resolveNoShow", ResolveNoShowInputSchema),
    completeBooking: method<typeof CompleteBookingInputSchema, AttendanceOut>(transport, "completeBooking", CompleteBookingInputSchema),
    cancelBooking: method<typeof CancelBookingInputSchema, Answer<typeof cancelBooking>>(
      transport,
      "cancelBooking",
      CancelBookingInputSchema,
    ),
    rescheduleBooking: method<typeof RescheduleBookingInputSchema, Answer<typeof rescheduleBooking>>(
      transport,
      "rescheduleBooking",
      RescheduleBookingInputSchema,
    ),
    saveCancellationPolicy: method<typeof SaveCancellationPolicyInputSchema, Answer<typeof saveCancellationPolicy>>(
      transport,
      "saveCancellationPolicy",
      SaveCancellationPolicyInputSchema,
    ),
    quoteCancellation: method<typeof QuoteCancellationInputSchema, Answer<typeof quoteCancellation>>(
      transport,
      "quoteCancellation",
      QuoteCancellationInputSchema,
    ),
    quoteReschedule: method<typeof QuoteRescheduleInputSchema, Answer<typeof quoteReschedule>>(
      transport,
      "quoteReschedule",
      QuoteRescheduleInputSchema,
    ),
    coachStatement: method<typeof CoachStatementInputSchema, Answer<typeof coachStatement>>(
      transport,
      "coachStatement",
      CoachStatementInputSchema,
    ),
    platformStatement: method<typeof PlatformStatementInputSchema, Answer<typeof platformStatement>>(
      transport,
      "platformStatement",
      PlatformStatementInputSchema,
    ),
    reconcileBooking: method<typeof ReconcileBookingInputSchema, BookingReconciliation>(
      transport,
      "reconcileBooking",
      ReconcileBookingInputSchema,
    ),
    getNotificationPreferences: method<typeof GetNotificationPreferencesInputSchema, Answer<typeof getNotificationPreferences>>(
      transport,
      "getNotificationPreferences",
      GetNotificationPreferencesInputSchema,
    ),
    setNotificationPreferences: method<typeof SetNotificationPreferencesInputSchema, Answer<typeof setNotificationPreferences>>(
      transport,
      "setNotificationPreferences",
      SetNotificationPreferencesInputSchema,
    ),
    startPayoutOnboarding: method<typeof StartPayoutOnboardingInputSchema, Answer<typeof startPayoutOnboarding>>(
      transport,
      "startPayoutOnboarding",
      StartPayoutOnboardingInputSchema,
    ),
    setCoachPlatformFee: method<typeof SetCoachPlatformFeeInputSchema, Answer<typeof setCoachPlatformFee>>(
      transport,
      "setCoachPlatformFee",
      SetCoachPlatformFeeInputSchema,
    ),
    exportMyData: method<typeof PersonalDataInputSchema, Answer<typeof exportMyData>>(transport, "exportMyData", PersonalDataInputSchema),
    deleteMyAccount: method<typeof PersonalDataInputSchema, Answer<typeof deleteMyAccount>>(
      transport,
      "deleteMyAccount",
      PersonalDataInputSchema,
    ),
  };
}
export type CoachifyClient = ReturnType<typeof coachifyClient>;
/** A coach as the catalog shows them (listCoaches, getCoach). */
export type { CatalogCoach } from "../features/catalog/catalog.service.js";
/** One bookable offering of a catalog coach. */
export type { PublicOffering } from "../domain/catalog.js";
