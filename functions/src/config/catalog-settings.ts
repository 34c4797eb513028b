import { CATALOG_APPROVAL_REQUIRED, CATALOG_PUBLIC_READ } from "./params.js";

/** The catalog's switches (docs/operations.md). */
export interface CatalogSettings {
  publicRead: boolean;
  approvalRequired: boolean;
}

/** Read on each use (parameters are environment variables: cheap), so a test can flip a switch. */
export function catalogSettings(): CatalogSettings {
  return { publicRead: CATALOG_PUBLIC_READ.value(), approvalRequired: CATALOG_APPROVAL_REQUIRED.value() };
}
