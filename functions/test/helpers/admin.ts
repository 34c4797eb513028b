import { getApps, initializeApp } from "firebase-admin/app";

/**
 * Initialises the default Admin app for in-process emulator tests. Each test project uses its
 * own demo project id so that the Functions emulator (which serves GCLOUD_PROJECT) never fires
 * the deployed triggers on these writes.
 */
export function initAdminFor(projectId: string): void {
  if (getApps().length === 0) initializeApp({ projectId });
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
