// Entry point: global options first, then re-exports only. Deployed names are camelCase verb+noun.
import "./config/global-options.js";

export { getHealth } from "./features/health/health.callables.js";
