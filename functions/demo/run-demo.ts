// `npm run demo`: the whole story against the backend `npm start` is running.
import { localEndpoints } from "./demo-client.js";
import { runDemo, summary } from "./demo.js";

const result = await runDemo(localEndpoints());
console.log(`\n${summary(result)}`);
process.exitCode = result.ok ? 0 : 1;
