import http from "node:http";

export interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  /** performance.now() when the event arrived. */
  readonly at: number;
}

/** Reads GET /api/v1/events for one bearer token; `onEvent` sees every event as it arrives. */
export function openEventStream(
  base: string,
  token: string,
  onEvent: (event: SseEvent) => void,
): Promise<{ close(): void }> {
  const url = new URL("/api/v1/events", base);
  if (url.hostname !== "127.0.0.1") throw new Error("event streams are read from 127.0.0.1 only");
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`event stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = "";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
            }
            if (event && data)
              onEvent({ event, data: JSON.parse(data) as Record<string, unknown>, at: performance.now() });
          }
        });
        res.on("error", () => undefined);
        resolve({ close: () => req.destroy() });
      },
    );
    req.on("error", (error) => reject(error));
  });
}
