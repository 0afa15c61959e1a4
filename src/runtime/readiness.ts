import type { Platform } from "./platform.ts";

const READINESS_TIMEOUT_MS = 2_000;

export interface Readiness {
  readonly ready: boolean;
  /** One entry per dependency: "ok" or what went wrong. */
  readonly checks: Record<string, string>;
}

async function check(name: string, probe: () => Promise<void>): Promise<[string, string]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), READINESS_TIMEOUT_MS);
      }),
    ]);
    return [name, "ok"];
  } catch (error) {
    return [name, error instanceof Error ? error.message.slice(0, 200) : "failed"];
  } finally {
    clearTimeout(timer);
  }
}

/** Whether this process can work: its transport and every database it uses answer within 2 s. */
export async function readiness(platform: Platform): Promise<Readiness> {
  const databases = await platform.databasesInUse();
  const checks = Object.fromEntries(
    await Promise.all([
      check(`transport:${platform.transport.kind}`, () => platform.transport.ping()),
      ...[...new Set(databases)].map((db, i) =>
        check(`database:${db.kind}${i === 0 ? "" : `:${i}`}`, () => db.ping()),
      ),
    ]),
  );
  return { ready: Object.values(checks).every((v) => v === "ok"), checks };
}
