// Waits (up to 5 minutes) until a callable answers over HTTP: the emulators are up and the
// functions loaded. Used by `npm start` before seeding the demo.
const url = process.argv[2];
const deadline = Date.now() + 300_000;
for (;;) {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ data: null }) });
    if (res.ok) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    console.error(`[start] ${url} did not answer within 5 minutes`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
