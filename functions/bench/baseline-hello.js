// The cold-start baseline: a bare firebase-functions "hello" callable, nothing else.
import { onCall } from "firebase-functions/v2/https";

export const hello = onCall(() => ({ hello: "world" }));
