import type { ReactNode } from "react";
import { createContext, useContext, useEffect, useRef, useState } from "react";
import { api } from "../api/client.ts";
import type { ServerEvents } from "../api/types.ts";

export type StreamStatus = "connecting" | "live" | "offline";
type Handler<K extends keyof ServerEvents> = (data: ServerEvents[K]) => void;
type Handlers = { [K in keyof ServerEvents]: Set<Handler<K>> };

interface Events {
  readonly status: StreamStatus;
  readonly handlers: Handlers;
}

const EventsContext = createContext<Events | undefined>(undefined);
const NAMES: (keyof ServerEvents)[] = [
  "invoice.generated",
  "invoice.failed",
  "score.calculated",
  "session.revoked",
];

/**
 * The signed-in user's server-sent events (GET /api/v1/events). EventSource reconnects by itself
 * and sends Last-Event-ID; when the server refuses the stream (the session is gone, the endpoint
 * missing) we check the session and try again later.
 */
export function EventsProvider({ children }: { readonly children: ReactNode }) {
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const handlers = useRef<Handlers>({
    "invoice.generated": new Set(),
    "invoice.failed": new Set(),
    "score.calculated": new Set(),
    "session.revoked": new Set(),
  }).current;

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: number | undefined;
    let closed = false;
    const open = () => {
      setStatus("connecting");
      source = new EventSource("/api/v1/events");
      source.onopen = () => setStatus("live");
      source.onerror = () => {
        if (source?.readyState !== EventSource.CLOSED) return setStatus("connecting");
        setStatus("offline");
        // A 401 here means the session ended: /me reports it to the session handler.
        api.get("/api/v1/me").then(
          () => {
            if (!closed) retry = window.setTimeout(open, 10_000);
          },
          () => undefined,
        );
      };
      for (const name of NAMES) {
        source.addEventListener(name, (event) => {
          let data: unknown;
          try {
            data = JSON.parse((event as MessageEvent<string>).data);
          } catch {
            return;
          }
          for (const handler of handlers[name]) (handler as (d: unknown) => void)(data);
        });
      }
    };
    open();
    // Whether or not the revoked session is this one, /me tells: a 401 ends the page's session.
    const onRevoked = () => void api.get("/api/v1/me").catch(() => undefined);
    handlers["session.revoked"].add(onRevoked);
    return () => {
      closed = true;
      window.clearTimeout(retry);
      source?.close();
      handlers["session.revoked"].delete(onRevoked);
    };
  }, [handlers]);

  return <EventsContext.Provider value={{ status, handlers }}>{children}</EventsContext.Provider>;
}

export function useStreamStatus(): StreamStatus {
  return useContext(EventsContext)?.status ?? "offline";
}

/** Runs `handler` for every `name` event while the component is mounted. */
export function useServerEvent<K extends keyof ServerEvents>(name: K, handler: Handler<K>): void {
  const events = useContext(EventsContext);
  const saved = useRef(handler);
  useEffect(() => {
    saved.current = handler;
  }, [handler]);
  useEffect(() => {
    if (!events) return;
    const set = events.handlers[name] as Set<Handler<K>>;
    const call: Handler<K> = (data) => saved.current(data);
    set.add(call);
    return () => {
      set.delete(call);
    };
  }, [events, name]);
}
