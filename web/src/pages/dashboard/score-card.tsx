import { useState } from "react";
import { api, messageOf } from "../../api/client.ts";
import type { Score, ScoreFactor } from "../../api/types.ts";
import { Card } from "../../components/page.tsx";
import { Status } from "../../components/status.tsx";
import { useServerEvent } from "../../lib/events.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { ScoreChart } from "./score-chart.tsx";

function label(name: string): string {
  const words = name
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Factor({ factor }: { readonly factor: ScoreFactor }) {
  const points = Math.round(factor.value * factor.weight);
  const percent = Math.round(factor.value * 100);
  return (
    <li className="factor">
      <div className="factor__head">
        <span>{label(factor.name)}</span>
        <span className={points < 0 ? "factor__points factor__points--neg" : "factor__points"}>
          {points > 0 ? "+" : ""}
          {points} <span className="muted">/ {factor.weight}</span>
        </span>
      </div>
      <div
        className="meter"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label={`${label(factor.name)}: ${percent}%`}
      >
        <div
          className={`meter__bar${factor.weight < 0 ? " meter__bar--neg" : ""}`}
          style={{ width: `${percent}%` }}
        />
      </div>
    </li>
  );
}

/** The customer score, its factors and history; a recalculation shows up when score.calculated arrives. */
export function ScoreCard() {
  const { data, error, reload } = useResource<Score>("/api/v1/score");
  const [status, setStatus] = useState<{ kind: "info" | "error" | "success"; text: string }>();
  const [busy, setBusy] = useState(false);

  useServerEvent("score.calculated", (event) => {
    setBusy(false);
    setStatus({ kind: "success", text: `Score updated: ${event.score} (${event.tier}).` });
    void reload();
  });

  const recalculate = async () => {
    setBusy(true);
    setStatus({ kind: "info", text: "Recalculating your score…" });
    try {
      await api.post("/api/v1/score/recalculate");
      // If no event comes (stream offline), read the result anyway after a while.
      window.setTimeout(() => {
        setBusy(false);
        void reload();
      }, 5000);
    } catch (e) {
      setBusy(false);
      setStatus({ kind: "error", text: messageOf(e) });
    }
  };

  return (
    <Card
      title="Customer score"
      className="score"
      actions={
        <button type="button" className="button" onClick={() => void recalculate()} disabled={busy}>
          {busy ? "Recalculating…" : "Recalculate"}
        </button>
      }
    >
      <Status kind={status?.kind}>{status?.text}</Status>
      {error && <Status kind="error">Could not load your score: {error}</Status>}
      {data && data.score === null && (
        <p className="empty">No score yet. Issue an invoice or recalculate to get your first one.</p>
      )}
      {data && data.score !== null && (
        <>
          <div className="score__summary">
            <span className="score__value" data-testid="score-value">
              {data.score}
            </span>
            <span className="score__of">/ 1000</span>
            <span className={`tier tier--${(data.tier ?? "").toLowerCase()}`}>{data.tier}</span>
          </div>
          <p className="muted small">Calculated {formatDateTime(data.calculatedAt)}</p>
          {data.factors.length > 0 && (
            <>
              <h3>What makes it up</h3>
              <ul className="factors">
                {data.factors.map((f) => (
                  <Factor key={f.name} factor={f} />
                ))}
              </ul>
            </>
          )}
          {data.history.length > 0 && (
            <>
              <h3>History</h3>
              <ScoreChart history={data.history} />
            </>
          )}
        </>
      )}
    </Card>
  );
}
