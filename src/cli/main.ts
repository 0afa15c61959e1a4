import { parseArgs } from "node:util";
import type { AddressInfo } from "node:net";
import { buildGateway } from "../gateway/gateway.ts";
import { isDlqTopic } from "../messaging/transport.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { RefusedError } from "../platform/in-use.ts";
import { initTelemetry } from "../platform/telemetry.ts";
import { startOpsServer } from "../runtime/ops-server.ts";
import { Platform } from "../runtime/platform.ts";
import { allServices, servicesNamed } from "../services/index.ts";
import { adminBootstrapProblem, bootstrapAdmin, createAdminCommand } from "./admin.ts";
import { clusterCommand } from "./cluster-command.ts";
import { provisionCommand } from "./db-command.ts";
import { describeDeadLetters, listDeadLetterTopics, replayDeadLetters } from "./dlq.ts";
import { migrateAll } from "./migrate.ts";

const usage = `ledgerline — event-driven accounting platform

Usage:
  ledgerline start [--service <name>[,<name>…]]   run every service (default) or the named ones
  ledgerline migrate                               apply every service's pending migrations and exit
  ledgerline db provision --admin-url <url> [--password-file <file> | --from-env] [--role-prefix ledgerline_]
                          [--create-database]      create a PostgreSQL role and schema per service and print
                                                   each DATABASE_URL_<SERVICE> (the role can touch only its schema)
  ledgerline cluster [--instances login=2,gateway=2,…] [--port 3000] [--ops-port 9100] [--no-restart]
                                                   every service as its own processes on one machine (Kafka from
                                                   KAFKA_BROKERS or a test broker, PostgreSQL from DATABASE_URL*)
  ledgerline dlq list [--topic <topic>.dlq]        dead-letter topics, or the messages of one
  ledgerline dlq replay --topic <topic>.dlq [--id <message id>]
                                                   publish dead letters back to their topic
  ledgerline admin create --email <address>        create an admin (password from LEDGERLINE_ADMIN_PASSWORD,
                                                   else typed, not shown, or piped on standard input)
Configuration comes from the environment: see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  return run(command, sub, values);
}

/** The command line, or a UsageError that names what is wrong with it (an unknown option, a missing value). */
function parseCommandLine(argv: string[]) {
  try {
    return parseOptions(argv);
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      service: { type: "string" },
      topic: { type: "string" },
      id: { type: "string" },
      email: { type: "string" },
      help: { type: "boolean", short: "h" },
      supervised: { type: "boolean" },
      "admin-url": { type: "string" },
      "password-file": { type: "string" },
      "role-prefix": { type: "string" },
      instances: { type: "string" },
      port: { type: "string" },
      "ops-port": { type: "string" },
      "no-restart": { type: "boolean" },
      "from-env": { type: "boolean" },
      "create-database": { type: "boolean" },
    },
  });
}

async function run(
  command: string,
  sub: string | undefined,
  values: ReturnType<typeof parseOptions>["values"],
): Promise<number> {
  if (command === "db") {
    if (sub !== "provision") throw new UsageError(`unknown db command "${sub ?? ""}"`);
    if (!values["admin-url"]) throw new UsageError("db provision needs --admin-url postgres://…");
    return provisionCommand({
      adminUrl: values["admin-url"],
      ...(values["password-file"] ? { passwordFile: values["password-file"] } : {}),
      ...(values["role-prefix"] ? { rolePrefix: values["role-prefix"] } : {}),
      fromEnv: values["from-env"] ?? false,
      createDatabase: values["create-database"] ?? false,
    });
  }
  if (command === "cluster") {
    return clusterCommand({
      ...(values.instances ? { instances: values.instances } : {}),
      ...(values.port !== undefined ? { port: portOption("--port", values.port) } : {}),
      ...(values["ops-port"] !== undefined ? { opsPort: portOption("--ops-port", values["ops-port"]) } : {}),
      restart: !values["no-restart"],
    });
  }

  const config = loadConfig();

  if (command === "start") {
    const known = ["gateway", ...allServices.map((s) => s.name)];
    const names = values.service?.split(",").map((s) => s.trim()) ?? known;
    const unknown = names.find((name) => !known.includes(name));
    if (unknown !== undefined)
      throw new UsageError(`--service: no service is called "${unknown}" (services: ${known.join(", ")})`);
    const withGateway = names.includes("gateway");
    // The gateway's process creates the first admin: a request it cannot fulfil stops it here.
    const adminProblem = withGateway ? adminBootstrapProblem(config) : undefined;
    if (adminProblem) throw new ConfigError([adminProblem]);
    const platform = new Platform({
      config,
      services: servicesNamed(names.filter((n) => n !== "gateway")),
      requester: withGateway,
    });
    // Spans are exported only when OTEL_EXPORTER_OTLP_ENDPOINT is set; stopped (flushed) last.
    const telemetry = await initTelemetry({
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: `ledgerline-${names.length === 1 ? names[0] : "all"}`,
      instanceId: platform.instanceId,
    });
    platform.lifecycle.add({ name: "telemetry", stop: () => telemetry.shutdown() });
    if (values.supervised) exitWithParent();
    try {
      await platform.start();
      if (config.OPS_PORT !== undefined) {
        const ops = await startOpsServer(platform, config.HOST, config.OPS_PORT);
        await platform.lifecycle.startPart({ name: "ops-server", stop: () => ops.close() });
        platform.log.info({ port: ops.port }, "operations endpoints: /healthz /readyz /metrics");
      }
      if (withGateway) {
        const gateway = await buildGateway(platform);
        await platform.lifecycle.startPart({
          name: "gateway",
          start: () => gateway.start(),
          stop: () => gateway.stop(),
        });
        await gateway.app.listen({ host: config.HOST, port: config.PORT });
        const { port } = gateway.app.server.address() as AddressInfo;
        await bootstrapAdmin(platform);
        const url = config.PUBLIC_URL ?? `http://${config.HOST}:${port}`;
        console.log(`Ledgerline is running at ${url}  (transport: ${platform.transport.kind}; Ctrl-C stops)`);
      } else {
        console.log(
          `Ledgerline services running: ${names.join(", ")} (transport: ${platform.transport.kind})`,
        );
      }
    } catch (error) {
      // Whatever started is stopped (the data directory's lock and PGlite closed cleanly), and a
      // port in use is said in one line.
      await platform.lifecycle.stop();
      throw portInUse(error, config) ?? error;
    }
    await new Promise<void>((resolve) => platform.lifecycle.handleSignals(resolve));
    console.log("Ledgerline stopped.");
    return 0;
  }

  if (command === "migrate") {
    for (const line of await migrateAll(config)) console.log(line);
    return 0;
  }

  if (command === "dlq") {
    // Checked before the log is opened: a live topic's messages are not dead letters.
    if (sub !== "list" && sub !== "replay") throw new UsageError(`unknown dlq command "${sub ?? ""}"`);
    const topic = values.topic;
    if (topic !== undefined && !isDlqTopic(topic)) {
      throw new UsageError(
        `--topic: "${topic}" is not a dead-letter topic (their names end in .dlq; \`ledgerline dlq list\` lists them)`,
      );
    }
    if (sub === "replay" && topic === undefined) throw new UsageError("dlq replay needs --topic <topic>.dlq");
    const platform = new Platform({ config, services: [] });
    await platform.start();
    try {
      if (sub === "replay" && topic !== undefined) {
        const done = await replayDeadLetters(platform.transport, topic, {
          ...(values.id ? { only: values.id } : {}),
          progress: (n, total) => process.stdout.write(`\rreplayed ${n} of ${total}`),
        });
        process.stdout.write(`\rreplayed ${done} message${done === 1 ? "" : "s"} from ${topic}\n`);
      } else if (topic !== undefined) {
        const lines = await describeDeadLetters(platform.transport, topic);
        console.log(lines.length ? lines.join("\n") : `${topic} is empty`);
      } else {
        const topics = await listDeadLetterTopics(platform.transport);
        console.log(
          topics.length ? topics.map((t) => `${t.topic}\t${t.count}`).join("\n") : "no dead letters",
        );
      }
      return 0;
    } finally {
      await platform.stop();
    }
  }

  if (command === "admin" && sub === "create") {
    if (!values.email) throw new UsageError("admin create needs --email <address>");
    return createAdminCommand(config, values.email);
  }

  throw new UsageError(`unknown command "${command}"`);
}

class UsageError extends Error {}

/** A port given on the command line: 0 (any free port) to 65535. */
function portOption(name: string, value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65_535)) throw new UsageError(`${name}: "${value}" is not a port (0 to 65535)`);
  return port;
}

/** EADDRINUSE on PORT or OPS_PORT, as the configuration problem it is. */
function portInUse(error: unknown, config: { HOST: string; PORT: number; OPS_PORT?: number }) {
  const e = error as { code?: string; port?: number };
  if (e?.code !== "EADDRINUSE") return undefined;
  const variable = e.port === config.OPS_PORT && config.OPS_PORT !== undefined ? "OPS_PORT" : "PORT";
  return new ConfigError([
    `${variable}: ${config.HOST}:${e.port ?? config.PORT} is in use by another process; stop it or choose a free port`,
  ]);
}

/**
 * Under `ledgerline cluster` (--supervised): stop gracefully when the supervisor is gone, so a
 * supervisor killed with -9 leaves no process behind.
 */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1_000).unref();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof RefusedError) {
      console.error(error.message);
      if (error instanceof UsageError) console.error(`\n${usage}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
