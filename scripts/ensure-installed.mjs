// Installs the root and functions dependencies when they are missing or stale, so that
// `npm test` and `npm start` work on a fresh clone with no separate install step.
// Staleness is judged by a hash of each package-lock.json recorded after a successful `npm ci`.
import { createHash } from "node:crypto";
import { execSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function ensure(dir) {
  const lock = join(dir, "package-lock.json");
  const stamp = join(dir, "node_modules", ".install-stamp");
  const want = createHash("sha256").update(readFileSync(lock)).digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) return;
  console.log(`[setup] installing dependencies in ${dir === root ? "." : dir.slice(root.length + 1)} (npm ci)`);
  execSync("npm ci --no-audit --no-fund --loglevel=error", { cwd: dir, stdio: "inherit" });
  writeFileSync(stamp, want + "\n");
}

// Local-only configuration: the committed examples hold loopback stand-in URLs and test-only
// secrets. A developer with real keys edits the copies, which git ignores.
function ensureLocalConfig() {
  for (const name of [".env.local", ".secret.local"]) {
    const target = join(root, "functions", name);
    const example = join(root, "functions", `${name}.example`);
    if (!existsSync(example)) continue;
    if (!existsSync(target)) {
      copyFileSync(example, target);
      console.log(`[setup] created functions/${name} from functions/${name}.example`);
      continue;
    }
    // A parameter added since the copy was made would make the emulator stop and ask for it:
    // append the example's value for every key the copy lacks, never touching the others.
    const keysOf = (text) =>
      new Set(
        text
          .split("\n")
          .map((l) => /^([A-Z0-9_]+)=/.exec(l)?.[1])
          .filter(Boolean),
      );
    const have = keysOf(readFileSync(target, "utf8"));
    const missing = readFileSync(example, "utf8")
      .split("\n")
      .filter((l) => {
        const k = /^([A-Z0-9_]+)=/.exec(l)?.[1];
        return k && !have.has(k);
      });
    if (missing.length > 0) {
      appendFileSync(target, `\n# added from ${name}.example\n${missing.join("\n")}\n`);
      console.log(`[setup] added ${missing.map((l) => l.split("=")[0]).join(", ")} to functions/${name}`);
    }
  }
}

ensure(root);
ensure(join(root, "functions"));
ensureLocalConfig();
