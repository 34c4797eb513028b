// Fails when folders of functions/src import each other in a cycle (a file-level cycle is
// dependency-cruiser's no-circular rule; this is the same check one level up). Reads
// dependency-cruiser's JSON from stdin: `depcruise src --output-type json | node ../scripts/folder-cycles.mjs`.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";

const { modules } = JSON.parse(readFileSync(0, "utf8"));
const edges = new Map();
for (const m of modules) {
  if (!m.source.startsWith("src/")) continue;
  const from = dirname(m.source);
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith("src/")) continue;
    const to = dirname(d.resolved);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    edges.get(from).set(to, `${m.source} → ${d.resolved}`);
  }
}

// Tarjan's strongly connected components: any component of two or more folders is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function visit(v) {
  state.set(v, { index, low: index, onStack: true });
  index += 1;
  stack.push(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!state.has(w)) {
      visit(w);
      state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
    } else if (state.get(w).onStack) state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
  }
  if (state.get(v).low === state.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      state.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component);
  }
}
for (const v of edges.keys()) if (!state.has(v)) visit(v);

if (cycles.length === 0) {
  console.log(`folder-cycles: no import cycle between the ${new Set(modules.map((m) => dirname(m.source))).size} folders of src`);
} else {
  for (const component of cycles) {
    console.error(`folder-cycles: these folders import each other: ${component.sort().join(", ")}`);
    for (const from of component)
      for (const [to, example] of edges.get(from) ?? []) if (component.includes(to)) console.error(`  ${from} → ${to} (e.g. ${example})`);
  }
  process.exit(1);
}
