import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The kernel's ephemeral port range, from which it picks the local port of every outgoing
 * connection and of a listen on port 0. Linux says it in /proc; elsewhere, the union of
 * Linux's default (32768–60999) and the IANA range macOS and Windows use (49152–65535).
 */
export function ephemeralRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high && low <= high) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 65535];
}

/** Ports this process handed out, so that two callers never get the same one. */
const handedOut = new Set<number>();

/**
 * A TCP port free on host, for a process started later to listen on, chosen outside the
 * ephemeral range. A port from a listen on port 0 is inside it, so in the seconds before the
 * process binds it, any outgoing connection (to Kafka, to PostgreSQL) may get it as its local
 * port, and then the bind fails for as long as that connection lives.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const [low, high] = ephemeralRange();
  // The larger stretch outside the range, above the well-known and most registered ports.
  const below: [number, number] = [10_000, low - 1];
  const above: [number, number] = [high + 1, 65_535];
  const [from, to] = below[1] - below[0] >= above[1] - above[0] ? below : above;
  if (to - from < 100) throw new Error(`no port range left outside the ephemeral range ${low}–${high}`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (handedOut.has(port) || !(await canListen(host, port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found on ${host} between ${from} and ${to}`);
}

function canListen(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
