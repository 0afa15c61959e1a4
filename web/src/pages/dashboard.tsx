import { Page } from "../components/page.tsx";
import { useUser } from "../lib/auth.tsx";
import { useLocation } from "../lib/router.tsx";
import { InvoiceList } from "./dashboard/invoice-list.tsx";
import { ScoreCard } from "./dashboard/score-card.tsx";

export function Dashboard() {
  const user = useUser();
  const { query } = useLocation();
  return (
    <Page title="Dashboard">
      <p className="muted">Welcome{user.fullName ? `, ${user.fullName}` : ""}.</p>
      <div className="dashboard">
        <InvoiceList created={query.get("created")} />
        <ScoreCard />
      </div>
    </Page>
  );
}
