import { useState } from "react";
import type { Flow, FlowMessage } from "../api/types.ts";
import { SelectField } from "../components/field.tsx";
import { Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { formatDateTime } from "../lib/format.ts";
import { useInterval, useResource } from "../lib/use-resource.ts";

const MINUTES = [
  ["1", "Last minute"],
  ["5", "Last 5 minutes"],
  ["15", "Last 15 minutes"],
] as const;
const SHOWN = 25;
/** Reads change nothing: a flow made only of them is hidden unless asked for. */
const READ = /^(get|list|read)-/;
const onlyReads = (flow: Flow) => flow.messages.every((m) => READ.test(m.type));

/** A stable hue per service name, so a service keeps its colour across flows. */
function hue(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

function offset(ms: number): string {
  if (ms < 1000) return `+${ms} ms`;
  return `+${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Each message's depth in the causation tree (0: caused by nothing in this flow). */
function depths(messages: readonly FlowMessage[]): Map<string, number> {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const depth = new Map<string, number>();
  const of = (m: FlowMessage, seen = 0): number => {
    const known = depth.get(m.id);
    if (known !== undefined) return known;
    const parent = m.causationId ? byId.get(m.causationId) : undefined;
    const d = parent && parent.id !== m.id && seen < 50 ? of(parent, seen + 1) + 1 : 0;
    depth.set(m.id, d);
    return d;
  };
  messages.forEach((m) => of(m));
  return depth;
}

function Service({ name }: { readonly name: string }) {
  const h = hue(name);
  return (
    <span className="service" style={{ backgroundColor: `hsl(${h} 60% 92%)`, color: `hsl(${h} 55% 28%)` }}>
      {name}
    </span>
  );
}

function FlowCard({ flow, open }: { readonly flow: Flow; readonly open: boolean }) {
  const messages = [...flow.messages].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const start = Date.parse(messages[0]?.occurredAt ?? flow.startedAt);
  const last = messages[messages.length - 1];
  const duration = last ? Date.parse(last.occurredAt) - start : 0;
  const services = [...new Set(messages.map((m) => m.source ?? "unknown"))];
  const depth = depths(messages);
  const first = messages[0];
  return (
    <details className="flow" open={open}>
      <summary>
        <span className="flow__title">{first ? first.type : "flow"}</span>
        <span className="muted small">
          {formatDateTime(flow.startedAt)} · {messages.length} message{messages.length === 1 ? "" : "s"} ·{" "}
          {services.length} service{services.length === 1 ? "" : "s"} · {offset(duration).slice(1)}
        </span>
        <code className="flow__id" title="Correlation id">
          {flow.correlationId}
        </code>
      </summary>
      <ol className="steps">
        {messages.map((m) => (
          <li
            key={m.id}
            className="step"
            style={{ marginInlineStart: `${Math.min(depth.get(m.id) ?? 0, 6) * 1.1}rem` }}
          >
            <span className="step__time">{offset(Math.max(0, Date.parse(m.occurredAt) - start))}</span>
            <Service name={m.source ?? "unknown"} />
            <span className="step__type">{m.type}</span>
            {m.topic !== m.type && <span className="step__topic muted small">on {m.topic}</span>}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** The event flow: recent messages grouped by correlation id, each a step by the service that sent it. */
export function EventFlow() {
  const [minutes, setMinutes] = useState("5");
  const [paused, setPaused] = useState(false);
  const [reads, setReads] = useState(false);
  const { data, error, errorStatus, reload } = useResource<{ flows: Flow[] }>(
    `/api/v1/dev/flow?minutes=${minutes}`,
  );
  useInterval(() => void reload(), 3000, !paused);
  const all = data?.flows ?? [];
  const flows = reads ? all : all.filter((f) => !onlyReads(f));
  const hidden = all.length - flows.length;

  return (
    <Page title="Event flow">
      <p className="muted">
        What each action set off: every message on the log, grouped by the request that started it, newest
        first. Indented steps were caused by the one above.
      </p>
      <div className="toolbar">
        <SelectField label="Window" value={minutes} onValue={setMinutes} options={MINUTES} />
        <label className="check">
          <input type="checkbox" checked={reads} onChange={(e) => setReads(e.target.checked)} />
          Show reads (get-…, list-…)
        </label>
        <button type="button" className="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
          {paused ? "Resume updates" : "Pause updates"}
        </button>
      </div>
      {errorStatus === 404 ? (
        <Status kind="error">The event flow is not available on this server (no /api/v1/dev/flow).</Status>
      ) : (
        error && <Status kind="error">{error}</Status>
      )}
      <Status plain>
        {data
          ? `${flows.length} flow${flows.length === 1 ? "" : "s"}${hidden ? ` (${hidden} of reads only hidden)` : ""}${paused ? ", paused" : ", updating every 3 seconds"}`
          : undefined}
      </Status>
      {data && flows.length === 0 && (
        <p className="empty">
          Nothing happened in this window. Sign up or create an invoice, then look again.
        </p>
      )}
      <div className="flows">
        {flows.slice(0, SHOWN).map((flow, i) => (
          <FlowCard key={flow.correlationId} flow={flow} open={i < 3} />
        ))}
      </div>
    </Page>
  );
}
