// The render thread's entry. A worker thread does not inherit the main thread's TypeScript
// loader on every Node version we support, so it registers tsx itself before loading the
// renderer (render-thread-main.ts).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { serveRenders } = await import("./render-thread-main.ts");
serveRenders(parentPort);
