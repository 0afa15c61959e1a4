import { parseArgs } from "node:util";
import type { AddressInfo } from "node:net";
import { buildGateway } from "../gateway/gateway.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { Platform } from "../runtime/platform.ts";
import { allServices, servicesNamed } from "../services/index.ts";
import { bootstrapAdmin, createAdminCommand } from "./admin.ts";
import { describeDeadLetters, listDeadLetterTopics, replayDeadLetters } from "./dlq.ts";

const usage = `ledgerline — event-driven accounting platform

Usage:
  ledgerline start [--service <name>[,<name>…]]   run every service (default) or the named ones
  ledgerline migrate                               apply every service's pending migrations and exit
  ledgerline dlq list [--topic <topic>.dlq]        dead-letter topics, or the messages of one
  ledgerline dlq replay --topic <topic>.dlq [--id <message id>]
                                                   publish dead letters back to their topic
  ledgerline admin create --email <address>        create an admin (password from LEDGERLINE_ADMIN_PASSWORD
                                                   or typed on standard input)
Configuration comes from the environment: see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      service: { type: "string" },
      topic: { type: "string" },
      id: { type: "string" },
      email: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  const config = loadConfig();

  if (command === "start") {
    const names = values.service?.split(",").map((s) => s.trim()) ?? [
      "gateway",
      ...allServices.map((s) => s.name),
    ];
    const withGateway = names.includes("gateway");
    const platform = new Platform({
      config,
      services: servicesNamed(names.filter((n) => n !== "gateway")),
      requester: withGateway,
    });
    await platform.start();
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
      console.log(`Ledgerline services running: ${names.join(", ")} (transport: ${platform.transport.kind})`);
    }
    await new Promise<void>((resolve) => platform.lifecycle.handleSignals(resolve));
    console.log("Ledgerline stopped.");
    return 0;
  }

  if (command === "migrate") {
    const platform = new Platform({ config, services: [] });
    const { migrate } = await import("../db/migrate.ts");
    const { messagingMigrations } = await import("../messaging/outbox.ts");
    try {
      for (const service of allServices) {
        const db = await platform.databases.forService(service.name);
        const schema = platform.schemaOf(service.name);
        const applied = [
          ...(await migrate(db, schema, messagingMigrations, "messaging")),
          ...(await migrate(db, schema, service.migrations)),
        ];
        console.log(`${service.name}: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}`);
      }
    } finally {
      await platform.databases.close();
    }
    return 0;
  }

  if (command === "dlq") {
    const platform = new Platform({ config, services: [] });
    await platform.start();
    try {
      if (sub === "list") {
        if (values.topic) {
          const lines = await describeDeadLetters(platform.transport, values.topic);
          console.log(lines.length ? lines.join("\n") : `${values.topic} is empty`);
        } else {
          const topics = await listDeadLetterTopics(platform.transport);
          console.log(
            topics.length ? topics.map((t) => `${t.topic}\t${t.count}`).join("\n") : "no dead letters",
          );
        }
        return 0;
      }
      if (sub === "replay") {
        if (!values.topic) throw new UsageError("dlq replay needs --topic <topic>.dlq");
        const done = await replayDeadLetters(platform.transport, values.topic, {
          ...(values.id ? { only: values.id } : {}),
          progress: (n, total) => process.stdout.write(`\rreplayed ${n} of ${total}`),
        });
        process.stdout.write(`\rreplayed ${done} message${done === 1 ? "" : "s"} from ${values.topic}\n`);
        return 0;
      }
      throw new UsageError(`unknown dlq command "${sub ?? ""}"`);
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      if (error instanceof UsageError) console.error(`\n${usage}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
