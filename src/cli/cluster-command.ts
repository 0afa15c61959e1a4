import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig, serviceNames } from "../platform/config.ts";
import { adminBootstrapProblem } from "./admin.ts";
import { Cluster, parseInstances } from "./cluster.ts";
import type { MockBroker } from "./mock-broker.ts";
import { MOCK_BROKER_FETCH_WAIT_MS, startMockBroker } from "./mock-broker.ts";
import { migrateAll } from "./migrate.ts";

/**
 * `ledgerline cluster`: the whole distributed platform on one machine. PostgreSQL comes from
 * DATABASE_URL (or DATABASE_URL_<SERVICE> for each), Kafka from KAFKA_BROKERS or, unset, a
 * librdkafka mock broker started here. Migrations run once, then N processes per service, each
 * restarted if it dies; Ctrl-C stops them all.
 */
export async function clusterCommand(options: {
  instances?: string;
  port?: number;
  opsPort?: number;
  restart: boolean;
}): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env };
  const missing = serviceNames.filter((s) => !env[`DATABASE_URL_${s.toUpperCase()}`] && !env.DATABASE_URL);
  if (missing.length > 0) {
    throw new ConfigError([
      `the cluster needs PostgreSQL: set DATABASE_URL (or DATABASE_URL_<SERVICE> for ${missing.join(", ")})`,
    ]);
  }
  // Every process must open what another sealed.
  if (!env.LEDGERLINE_SECRET) {
    env.LEDGERLINE_SECRET = randomBytes(32).toString("base64url");
    console.log("LEDGERLINE_SECRET was not set: generated one for this cluster's processes");
  }
  let broker: MockBroker | undefined;
  if (!env.KAFKA_BROKERS) {
    broker = await startMockBroker();
    env.KAFKA_BROKERS = broker.bootstrap;
    env.KAFKA_FETCH_WAIT_MS ??= String(MOCK_BROKER_FETCH_WAIT_MS);
    console.log(`KAFKA_BROKERS was not set: started a test broker (librdkafka mock) at ${broker.bootstrap}`);
  }
  const cluster = new Cluster({
    instances: parseInstances(options.instances),
    env,
    gatewayPort: options.port ?? Number(env.PORT ?? 3000),
    opsPort: options.opsPort ?? 9100,
    restart: options.restart,
  });
  const config = loadConfig(env);
  // Checked once here, or the gateway's process would fail on it and be restarted every second.
  const adminProblem = adminBootstrapProblem(config);
  if (adminProblem) {
    await broker?.stop();
    throw new ConfigError([adminProblem]);
  }
  try {
    for (const line of await migrateAll(config)) console.log(`[migrate] ${line}`);
    await cluster.start();
    for (const m of cluster.members) {
      const what = m.service === "gateway" ? `http://${config.HOST}:${m.port}` : `ops :${m.port}`;
      console.log(`[cluster] ${m.label} (instance ${m.instanceId}, ${what})`);
    }
    console.log("[cluster] starting; Ctrl-C stops every process");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    console.log("[cluster] stopping");
    return 0;
  } finally {
    await cluster.stop(config.SHUTDOWN_GRACE_MS + 2_000);
    await broker?.stop();
    console.log("[cluster] stopped");
  }
}
