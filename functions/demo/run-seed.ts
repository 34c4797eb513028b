// Seeds the demo coach and student for `npm start` (called once the emulators answer).
import { localEndpoints } from "./demo-client.js";
import { DEMO_COACH_EMAIL, DEMO_STUDENT_EMAIL, seedDemo } from "./demo.js";

await seedDemo(localEndpoints(), (line) => {
  console.log(`[seed] ${line}`);
});
console.log(`[seed] demo accounts (Auth emulator, password demo-password-123): ${DEMO_COACH_EMAIL}, ${DEMO_STUDENT_EMAIL}`);
