import { Page } from "../components/page.tsx";
import { useAuth } from "../lib/auth.tsx";
import { Link } from "../lib/router.tsx";

export function Landing() {
  const { state } = useAuth();
  return (
    <Page title="Accounting that keeps up with you">
      <div className="hero">
        <p className="hero__lead">
          Issue invoices in seconds, watch them render as PDFs while you wait, and follow your customer score
          as it moves. Every step is an event you can see.
        </p>
        {state.status === "signed-in" ? (
          <p className="hero__actions">
            <Link to="/dashboard" className="button button--primary">
              Go to your dashboard
            </Link>
          </p>
        ) : (
          <p className="hero__actions">
            <Link to="/signup" className="button button--primary">
              Create an account
            </Link>
            <Link to="/login" className="button">
              Sign in
            </Link>
          </p>
        )}
      </div>
      <ul className="features">
        <li>
          <h2>Invoices</h2>
          <p>Line items, tax and due dates, with totals computed to the cent and a PDF for every invoice.</p>
        </li>
        <li>
          <h2>Customer score</h2>
          <p>A score from 0 to 1000 with the factors behind it and its history over time.</p>
        </li>
        <li>
          <h2>Event flow</h2>
          <p>
            See what a click sets off, service by service, on the <Link to="/events">event flow</Link> page.
          </p>
        </li>
      </ul>
    </Page>
  );
}
