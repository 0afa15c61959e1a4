import { useEffect, useRef, useState } from "react";
import { api, ApiError, messageOf } from "../api/client.ts";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { Link, useLocation } from "../lib/router.tsx";

type Outcome = { kind: "working" } | { kind: "active" } | { kind: "failed"; message: string };

/** The emailed link: confirms the token at once and says how it went. */
export function Activate() {
  const { query } = useLocation();
  const token = query.get("token") ?? "";
  const [outcome, setOutcome] = useState<Outcome>({ kind: "working" });
  const sent = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (sent.current === token) return; // one confirmation per token, even under StrictMode
    sent.current = token;
    if (!token) {
      setOutcome({ kind: "failed", message: "This link has no activation token." });
      return;
    }
    api.post("/api/v1/activation/confirm", { token }).then(
      () => setOutcome({ kind: "active" }),
      (error: unknown) =>
        setOutcome({
          kind: "failed",
          message:
            error instanceof ApiError &&
            (error.code === "TOKEN_INVALID" || error.code === "VALIDATION_FAILED")
              ? "This activation link is not valid: it may have been used already or have expired."
              : messageOf(error),
        }),
    );
  }, [token]);

  return (
    <Page title="Activate your account" narrow>
      <Card>
        {outcome.kind === "working" && <Status>Activating your account…</Status>}
        {outcome.kind === "active" && (
          <>
            <Status kind="success">Your account is active.</Status>
            <p>
              <Link to="/login?activated=1" className="button button--primary">
                Sign in
              </Link>
            </p>
          </>
        )}
        {outcome.kind === "failed" && (
          <>
            <Status kind="error">{outcome.message}</Status>
            <p>
              If your account is already active, <Link to="/login">sign in</Link>. Otherwise sign in with your
              email and password to get a new link.
            </p>
          </>
        )}
      </Card>
    </Page>
  );
}
