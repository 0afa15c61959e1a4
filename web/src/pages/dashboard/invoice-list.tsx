import { useCallback, useState } from "react";
import { api } from "../../api/client.ts";
import type { InvoicePage, InvoiceStatus } from "../../api/types.ts";
import { Card } from "../../components/page.tsx";
import { Status } from "../../components/status.tsx";
import { useServerEvent, useStreamStatus } from "../../lib/events.tsx";
import { formatDate, formatDateTime, formatMoney } from "../../lib/format.ts";
import { Link } from "../../lib/router.tsx";
import { useInterval, useResource } from "../../lib/use-resource.ts";

const LABELS: Record<InvoiceStatus, string> = {
  pending: "Generating…",
  generated: "Ready",
  failed: "Failed",
};

export function StatusBadge({ status }: { readonly status: InvoiceStatus }) {
  return <span className={`badge badge--${status}`}>{LABELS[status] ?? status}</span>;
}

/** Rows a page of the list adds. */
export const INVOICES_PER_PAGE = 25;

/**
 * The first `pages` pages of the user's invoices as one list, each page from the cursor the page
 * before handed out. Every reload fetches them all again, so a row that moved to the next page
 * (a new invoice came first) is neither lost nor shown twice.
 */
async function firstPages(path: string, pages: number): Promise<InvoicePage> {
  let page = await api.get<InvoicePage>(path);
  const invoices = [...page.invoices];
  for (let shown = 1; shown < pages && page.nextCursor; shown++) {
    page = await api.get<InvoicePage>(`${path}&cursor=${encodeURIComponent(page.nextCursor)}`);
    invoices.push(...page.invoices);
  }
  return { invoices, nextCursor: page.nextCursor };
}

/**
 * The user's invoices, newest first, a page at a time; rows turn from pending to generated as the
 * events arrive, without a reload. `created`: the invoice just issued, announced until it has its
 * final status.
 */
export function InvoiceList({ created }: { readonly created: string | null }) {
  const [pages, setPages] = useState(1);
  const load = useCallback((path: string) => firstPages(path, pages), [pages]);
  const { data, error, loading, reload } = useResource(`/api/v1/invoices?limit=${INVOICES_PER_PAGE}`, load);
  const [announce, setAnnounce] = useState<string>();
  const stream = useStreamStatus();
  const invoices = data?.invoices ?? [];
  const pending = invoices.some((i) => i.status === "pending");
  const fresh = created ? invoices.find((i) => i.id === created) : undefined;
  const banner =
    created && (!fresh || fresh.status === "pending")
      ? "Invoice created. Its PDF is being generated; this list updates by itself."
      : undefined;

  useServerEvent("invoice.generated", (event) => {
    setAnnounce(`Invoice ${event.number} is ready: ${formatMoney(event.totalCents, event.currency)}.`);
    void reload();
  });
  useServerEvent("invoice.failed", (event) => {
    setAnnounce(`An invoice could not be generated: ${event.reason}`);
    void reload();
  });
  // Without the live stream, look again now and then while something is still being generated.
  useInterval(() => void reload(), 4000, pending && stream !== "live");

  return (
    <Card
      title="Invoices"
      className="invoices"
      actions={
        <Link to="/invoices/new" className="button button--primary">
          New invoice
        </Link>
      }
    >
      <Status kind={announce ? "success" : "info"}>{announce ?? banner}</Status>
      {error && <Status kind="error">Could not load your invoices: {error}</Status>}
      {!data && loading && <p className="muted">Loading invoices…</p>}
      {data && invoices.length === 0 && (
        <p className="empty">
          No invoices yet. <Link to="/invoices/new">Create your first invoice</Link>.
        </p>
      )}
      {invoices.length > 0 && (
        <div className="table-wrap">
          <table className="table table--stack">
            <caption className="sr-only">Your invoices, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Customer</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Download</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((invoice) => (
                <tr key={invoice.id} data-invoice-id={invoice.id} data-status={invoice.status}>
                  <td data-label="Number" className="nowrap">
                    {invoice.number ?? <span className="muted">—</span>}
                  </td>
                  <td data-label="Customer">{invoice.customer.name}</td>
                  <td data-label="Total" className="num">
                    {formatMoney(invoice.totalCents, invoice.currency)}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={invoice.status} />
                  </td>
                  <td data-label="Created" className="nowrap" title={formatDateTime(invoice.createdAt)}>
                    {formatDate(invoice.createdAt)}
                  </td>
                  <td data-label="PDF">
                    {invoice.status === "generated" ? (
                      <a
                        href={`/api/v1/invoices/${invoice.id}/pdf`}
                        download
                        className="button button--small"
                      >
                        Download PDF
                        <span className="sr-only"> of {invoice.number ?? "this invoice"}</span>
                      </a>
                    ) : (
                      <span className="muted">{invoice.status === "pending" ? "PDF soon" : "No PDF"}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.nextCursor && (
        <p className="more">
          <button
            type="button"
            className="button button--small"
            disabled={loading}
            onClick={() => setPages((n) => n + 1)}
          >
            {loading ? "Loading…" : "Show older invoices"}
          </button>
        </p>
      )}
    </Card>
  );
}
