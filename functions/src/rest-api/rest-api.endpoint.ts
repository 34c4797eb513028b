import { getAuth } from "firebase-admin/auth";
import type { Request } from "firebase-functions/v2/https";
import { HttpsError } from "firebase-functions/v2/https";
import type { z } from "zod";
import { callableGuards } from "../config/callable-guards.js";
import { AppError } from "../domain/errors.js";
import { rateLimitKey, type CallerContext } from "../shared/callable.js";
import type { Dependencies } from "../ports/dependencies.js";
import { toHttpsError } from "../shared/errors.js";
import type { HttpResponse, RawRequest } from "../shared/http.js";
import { log } from "../shared/logger.js";
import { spendCall } from "../shared/rate-limit.js";
import { GetAvailableSlotsInputSchema, SyncAvailabilityInputSchema } from "../features/availability/availability.schemas.js";
import { getAvailableSlots, syncAvailability } from "../features/availability/availability.service.js";
import { ConfirmBookingInputSchema, CreateBookingInputSchema } from "../features/bookings/bookings.schemas.js";
import { confirmBookingByCaller, createBooking } from "../features/bookings/bookings.service.js";
import { CancelBookingInputSchema } from "../features/cancellations/cancellations.schemas.js";
import { cancelBooking } from "../features/cancellations/cancellations.service.js";
import { RescheduleBookingInputSchema } from "../features/reschedules/reschedules.schemas.js";
import { rescheduleBooking } from "../features/reschedules/reschedules.service.js";
import { handleCalcomWebhook } from "../features/webhooks/calcom-webhook.endpoint.js";

interface Route {
  method: "GET" | "POST";
  input: z.ZodType;
  /** GET routes read the query string, POST routes the JSON body. */
  run: (input: never, caller: CallerContext, deps: Dependencies) => Promise<unknown>;
}

/** The brief's REST API: the same handlers as the callables, behind a Firebase ID token. */
const ROUTES: Record<string, Route> = {
  "/api/calcom/sync-availability": { method: "POST", input: SyncAvailabilityInputSchema, run: syncAvailability },
  "/api/calcom/available-slots": { method: "GET", input: GetAvailableSlotsInputSchema, run: getAvailableSlots },
  "/api/calcom/create-booking": { method: "POST", input: CreateBookingInputSchema, run: createBooking },
  "/api/calcom/confirm-booking": { method: "POST", input: ConfirmBookingInputSchema, run: confirmBookingByCaller },
  "/api/calcom/cancel-booking": { method: "POST", input: CancelBookingInputSchema, run: cancelBooking },
  "/api/calcom/reschedule-booking": { method: "POST", input: RescheduleBookingInputSchema, run: rescheduleBooking },
};

function errorResponse(err: HttpsError): HttpResponse {
  return { status: err.httpErrorCode.status, body: { error: err.toJSON() } };
}

async function callerOf(authorization: string | undefined): Promise<CallerContext> {
  const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
  if (!token) throw new AppError("auth/unauthenticated", "Send a Firebase ID token as Authorization: Bearer <token>.");
  try {
    const decoded = await getAuth().verifyIdToken(token);
    return { uid: decoded.uid, isAdmin: decoded.admin === true };
  } catch {
    throw new AppError("auth/unauthenticated", "The ID token is invalid or has expired.");
  }
}

/**
 * Serves the documented REST paths with the callables' handlers and their wire format (`{ result }`
 * or `{ error: { status, message, details } }` with the matching HTTP status), so clients without
 * the Firebase SDK can use the API. `POST /api/webhooks/calcom` is the Cal.com webhook itself.
 */
export async function handleApiRequest(
  req: RawRequest & Pick<Request, "path" | "query" | "body">,
  deps: Dependencies,
): Promise<HttpResponse> {
  const path = req.path.replace(/\/+$/, "");
  if (path === "/api/webhooks/calcom") return handleCalcomWebhook(req, deps);
  const route = ROUTES[path];
  if (!route) return errorResponse(new HttpsError("not-found", `No API route ${req.method} ${path}.`));
  if (req.method !== route.method) return errorResponse(new HttpsError("invalid-argument", `Use ${route.method} for ${path}.`));
  try {
    const caller = await callerOf(req.header("authorization"));
    // The same budget as the callables: the REST paths are another door to the same handlers.
    await spendCall(rateLimitKey(caller, undefined), callableGuards().rateLimit, new Date(), caller.uid);
    const raw: unknown = route.method === "GET" ? req.query : req.body;
    const input = route.input.parse(raw) as never;
    return { status: 200, body: { result: await route.run(input, caller, deps) } };
  } catch (err) {
    const mapped = toHttpsError(err);
    if (mapped instanceof HttpsError) return errorResponse(mapped);
    log.error("api.failed", { path }, err);
    return errorResponse(new HttpsError("internal", "Internal error."));
  }
}
