import { existsSync } from "node:fs";
import { bootstrapAdmin } from "../../src/cli/admin.ts";
import { freePort } from "../../src/cli/free-port.ts";
import { buildGateway } from "../../src/gateway/gateway.ts";
import { webRoutes } from "../../src/gateway/routes/web.ts";
import { Platform } from "../../src/runtime/platform.ts";
import { allServices } from "../../src/services/index.ts";
import type { Stack } from "../e2e/stack.ts";
import { ADMIN } from "../e2e/stack.ts";
import { testConfig } from "../support/index.ts";

export const chromiumPath = process.env.LEDGERLINE_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(chromiumPath);

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * startStack("embedded") with the web app served: the same platform, gateway and admin, with
 * webRoutes registered before listen unless the gateway already serves the app, on a port chosen
 * first so that PUBLIC_URL, and so the links in the mailbox, point at it.
 */
export async function startWebStack(): Promise<Stack> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = testConfig({
    HOST: "127.0.0.1",
    PORT: String(port),
    // Emailed links must point at this server for the mailbox page to follow them in the app.
    PUBLIC_URL: url,
    ARGON2_MEMORY_KIB: "8192",
    ARGON2_ITERATIONS: "1",
    LEDGERLINE_ADMIN_EMAIL: ADMIN.email,
    LEDGERLINE_ADMIN_PASSWORD: ADMIN.password,
    REQUEST_TIMEOUT_MS: "5000",
  });
  const platform = new Platform({ config, services: allServices, inMemory: true, requester: true });
  await platform.start();
  const gateway = await buildGateway(platform);
  if (!gateway.app.hasRoute({ method: "GET", url: "/*" })) await webRoutes(gateway.app);
  await platform.lifecycle.startPart({
    name: "gateway",
    start: () => gateway.start(),
    stop: () => gateway.stop(),
  });
  await gateway.app.listen({ host: "127.0.0.1", port });
  await bootstrapAdmin(platform);
  return { url, platform, gateway, stop: () => platform.stop() };
}
