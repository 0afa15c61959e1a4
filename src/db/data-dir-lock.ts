import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { InUseError } from "../platform/in-use.ts";

/** What the lock file says about its holder. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/**
 * Another process holds the data directory. PGlite keeps its own copy of the database's pages in
 * each process, so two processes on one directory overwrite each other's writes and corrupt it.
 */
export class DataDirInUseError extends InUseError {
  constructor(
    readonly dir: string,
    readonly holder: Holder | undefined,
  ) {
    const who = holder
      ? `process ${holder.pid} on ${holder.host}, since ${holder.startedAt}`
      : "a process whose lock file cannot be read";
    super(
      "DATA_DIR_IN_USE",
      `DATA_DIR ${dir} is in use (${who}). ` +
        "Stop it first, or give this process a DATA_DIR of its own (services in separate processes " +
        "share PostgreSQL and Kafka instead: DATABASE_URL, KAFKA_BROKERS). " +
        `If no such process runs, delete ${join(dir, LOCK_FILE)}.`,
    );
  }
}

export const LOCK_FILE = "ledgerline.pid";

/** Lock files this process holds, and as whom (a second provider in this process is refused too). */
const held = new Map<string, Holder>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return undefined;
    return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt) };
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory for this process, as PostgreSQL's postmaster.pid does: a lock file
 * created only if absent, naming the holder. A lock left by a process that is gone (a crash, a
 * kill -9) is taken over; one held by a live process, or written on another host where this one
 * cannot tell, is refused with DataDirInUseError. Returns the release, which deletes the file if
 * it is still this process's.
 */
export function lockDataDir(dir: string): { release(): void } {
  const path = join(resolve(dir), LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const holding = held.get(path);
  if (holding) throw new DataDirInUseError(dir, holding);
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    // A pid equal to ours that this process does not hold is a previous life of it (a container
    // restarted with the same pid): that lock is stale.
    const stale =
      holder !== undefined && holder.host === me.host && (holder.pid === me.pid || !isAlive(holder.pid));
    if (!stale || attempt > 0) throw new DataDirInUseError(dir, holder);
    try {
      unlinkSync(path);
    } catch (error) {
      // Another process starting at the same moment took the stale lock over first.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  held.set(path, me);
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      held.delete(path);
      const holder = readHolder(path);
      if (holder?.pid !== me.pid || holder.startedAt !== me.startedAt) return;
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    },
  };
}
