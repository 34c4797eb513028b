import { onDocumentWritten } from "firebase-functions/v2/firestore";

/**
 * `onCoachProfileWritten`: the coach's public catalog document follows every write of the coach
 * document (profile, offerings and their event types, policy, limits, an admin's listing). Beside
 * `onCoachWritten` (the Cal.com event-type sync), which it leaves alone. It writes only
 * `publicCoaches`, and only what changed, so it never fires itself.
 */
export const onCoachProfileWritten = onDocumentWritten({ document: "coaches/{coachId}", retry: true }, async (event) => {
  const { refreshPublicCoach } = await import("./catalog.projection.js");
  await refreshPublicCoach(event.params.coachId);
});
