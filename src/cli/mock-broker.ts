import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The Kafka fetch wait for anything that runs against the mock broker: it holds every empty fetch
 * for the whole wait (a real broker answers when a message comes), so Kafka's 500 ms default
 * would be latency per hop there (decision 0015).
 */
export const MOCK_BROKER_FETCH_WAIT_MS = 20;

/** A private librdkafka mock cluster (tools/mock-broker), for the cluster command and tests. */
export interface MockBroker {
  readonly bootstrap: string;
  readonly pid: number;
  /** Takes every broker down (connections closed, new ones refused); the cluster keeps its data. */
  down(): void;
  up(): void;
  stop(): Promise<void>;
}

export interface MockBrokerOptions {
  /** Number of brokers (default 1). */
  readonly brokers?: number;
  /**
   * Errors the broker answers with, whoever asks: the next `count` (default 1) requests with
   * this API key get this Kafka error code (14 and 42: a SyncGroup answered INVALID_REQUEST).
   */
  readonly requestErrors?: readonly { apiKey: number; errorCode: number; count?: number }[];
}

/**
 * Builds the mock broker if needed (scripts/test-broker.sh build: librdkafka-dev) and starts one
 * in its own process group; resolves with its bootstrap address.
 */
export async function startMockBroker(options: MockBrokerOptions = {}): Promise<MockBroker> {
  const { stdout } = await promisify(execFile)("bash", [`${root}scripts/test-broker.sh`, "build"]);
  const bin = stdout.trim().split("\n").pop() ?? "";
  const errors = (options.requestErrors ?? []).flatMap((e) => [
    "-e",
    `${e.apiKey}:${e.errorCode}:${e.count ?? 1}`,
  ]);
  // -P: the broker stops when this process dies, however it dies.
  const child = spawn(bin, ["-P", ...errors, String(options.brokers ?? 1)], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mock broker printed no address: ${stderr}`)), 10_000);
    child.stdout.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString().trim().split("\n")[0] ?? "");
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`mock broker exited (${code}): ${stderr}`));
    });
  });
  const pid = child.pid ?? 0;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    bootstrap,
    pid,
    down: () => void child.kill("SIGUSR1"),
    up: () => void child.kill("SIGUSR2"),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
