/**
 * The layering of functions/src, checked in the lint step (dependency-cruiser):
 *   domain (pure) ← ports ← shared ← core (the booking core) ← features (use cases) ← rest-api, composition root ← entry
 *   integrations (adapters) implement ports and are built by the composition root
 * Use cases never import each other: what two of them share lives in core/ or domain/. No import
 * cycle between files (no-circular) nor between folders (../scripts/folder-cycles.mjs).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle (between files, and so between folders).",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-is-pure",
      severity: "error",
      comment: "domain/ holds pure decisions: it imports only itself (and libraries).",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/domain/" },
    },
    {
      name: "ports-see-domain-only",
      severity: "error",
      comment: "Ports describe what the use cases need: domain types and the config type only.",
      from: { path: "^src/ports/" },
      to: { path: "^src/", pathNot: "^src/(domain|ports|config)/" },
    },
    {
      name: "shared-below-features",
      severity: "error",
      comment: "shared/ serves everyone and knows no use case, adapter or composition root.",
      from: { path: "^src/shared/" },
      to: { path: "^src/(core|features|integrations|rest-api|composition-root)" },
    },
    {
      name: "core-below-features",
      comment: "core/ is the booking core the use cases share: it knows no use case, adapter, entry or composition root.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^src/(features|integrations|rest-api|composition-root|index)" },
    },
    {
      name: "use-cases-apart",
      comment: "A use case never imports another: what they share belongs in core/ or domain/.",
      severity: "error",
      from: { path: "^src/features/([^/]+)/" },
      to: { path: "^src/features/", pathNot: "^src/features/$1/" },
    },
    {
      name: "adapters-below-features",
      severity: "error",
      comment: "integrations/ implement ports: they never reach into use cases or the composition root.",
      from: { path: "^src/integrations/" },
      to: { path: "^src/(core|features|rest-api|composition-root)" },
    },
    {
      name: "composition-root-from-entries-only",
      severity: "error",
      comment: "Only the files that define functions build the dependencies.",
      from: {
        path: "^src/",
        pathNot: ["^src/index\\.cts$", "\\.(callables|triggers|tasks|schedules|function)\\.ts$", "^src/composition-root\\.ts$"],
      },
      to: { path: "^src/composition-root\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".cts", ".js"] },
  },
};
