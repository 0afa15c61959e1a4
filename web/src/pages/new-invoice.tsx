import type { FormEvent } from "react";
import { useRef, useState } from "react";
import { api, uuid } from "../api/client.ts";
import type { InvoiceDraft } from "../api/types.ts";
import { SelectField, TextArea, TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { formatMoney, parseAmount, taxCents } from "../lib/format.ts";
import { useFormErrors } from "../lib/form-errors.ts";
import { Link, navigate } from "../lib/router.tsx";
import type { Line } from "./invoice/line-items.tsx";
import { lineAmount, LineItems, newLine } from "./invoice/line-items.tsx";

const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY"].map(
  (c) => [c, c] as const,
);
const SHOWN =
  /^(customer\.(name|email|taxId|address)|currency|taxRatePercent|dueDate|items(\.\d+\.(description|quantity|unitPriceCents))?)$/;

function parseRate(text: string): number | undefined {
  if (!/^\s*\d{1,3}([.,]\d{1,2})?\s*$/.test(text)) return undefined;
  const rate = Number(text.replace(",", "."));
  return rate <= 100 ? rate : undefined;
}

/** Checks what can be checked here; the server checks again and its details land on the same fields. */
function validate(
  name: string,
  lines: readonly Line[],
  currency: string,
  rate: string,
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!name.trim()) errors["customer.name"] = "Enter the customer's name.";
  lines.forEach((line, i) => {
    if (!line.description.trim()) errors[`items.${i}.description`] = "Describe what you are billing.";
    const q = line.quantity.trim();
    if (!/^\d+$/.test(q) || Number(q) < 1 || Number(q) > 1_000_000)
      errors[`items.${i}.quantity`] = "A whole number from 1 to 1,000,000.";
    if (parseAmount(line.price, currency) === undefined)
      errors[`items.${i}.unitPriceCents`] = "An amount such as 120 or 99.50.";
  });
  if (parseRate(rate) === undefined)
    errors.taxRatePercent = "A percentage from 0 to 100, at most two decimals.";
  return errors;
}

export function NewInvoice() {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [taxId, setTaxId] = useState("");
  const [address, setAddress] = useState("");
  const [currency, setCurrency] = useState("EUR");
  const [rate, setRate] = useState("20");
  const [dueDate, setDueDate] = useState("");
  const [lines, setLines] = useState<Line[]>(() => [newLine()]);
  const [busy, setBusy] = useState(false);
  const errors = useFormErrors();
  const idempotencyKey = useRef(uuid());

  const amounts = lines.map((l) => lineAmount(l, currency));
  const subtotal = amounts.reduce<number>((sum, a) => sum + (a ?? 0), 0);
  const ratePercent = parseRate(rate);
  const tax = ratePercent === undefined ? 0 : taxCents(subtotal, ratePercent);
  const incomplete = amounts.some((a) => a === undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems = validate(name, lines, currency, rate);
    if (Object.keys(problems).length > 0) return errors.set(problems, "Please correct the marked fields.");
    const draft: InvoiceDraft = {
      customer: {
        name: name.trim(),
        ...(email.trim() ? { email: email.trim() } : {}),
        ...(taxId.trim() ? { taxId: taxId.trim() } : {}),
        ...(address.trim() ? { address: address.trim() } : {}),
      },
      items: lines.map((l) => ({
        description: l.description.trim(),
        quantity: Number(l.quantity.trim()),
        unitPriceCents: parseAmount(l.price, currency)!,
      })),
      currency,
      taxRatePercent: ratePercent ?? 0,
      ...(dueDate ? { dueDate } : {}),
    };
    setBusy(true);
    errors.clear();
    try {
      const { id } = await api.post<{ id: string }>("/api/v1/invoices", draft, {
        headers: { "idempotency-key": idempotencyKey.current },
      });
      navigate(`/dashboard?created=${encodeURIComponent(id)}`);
    } catch (error) {
      errors.show(error, (p) => SHOWN.test(p));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="New invoice">
      <form onSubmit={(e) => void submit(e)} noValidate className="form invoice-form">
        <Card title="Customer">
          <div className="grid-2">
            <TextField
              label="Name"
              name="customer.name"
              required
              value={name}
              onValue={setName}
              error={errors.fields["customer.name"]}
            />
            <TextField
              label="Email (optional)"
              name="customer.email"
              type="email"
              value={email}
              onValue={setEmail}
              error={errors.fields["customer.email"]}
            />
            <TextField
              label="Tax id (optional)"
              name="customer.taxId"
              value={taxId}
              onValue={setTaxId}
              error={errors.fields["customer.taxId"]}
            />
            <TextArea
              label="Address (optional)"
              name="customer.address"
              rows={2}
              value={address}
              onValue={setAddress}
              error={errors.fields["customer.address"]}
            />
          </div>
        </Card>
        <Card title="Terms">
          <div className="grid-3">
            <SelectField
              label="Currency"
              name="currency"
              value={currency}
              onValue={setCurrency}
              options={CURRENCIES}
              error={errors.fields.currency}
            />
            <TextField
              label="Tax rate (%)"
              name="taxRatePercent"
              inputMode="decimal"
              value={rate}
              onValue={setRate}
              error={errors.fields.taxRatePercent}
            />
            <TextField
              label="Due date (optional)"
              name="dueDate"
              type="date"
              value={dueDate}
              onValue={setDueDate}
              error={errors.fields.dueDate}
            />
          </div>
        </Card>
        <Card title="Items">
          <LineItems lines={lines} currency={currency} errors={errors.fields} onChange={setLines} />
          <dl className="totals" aria-live="polite">
            <div>
              <dt>Subtotal</dt>
              <dd>{formatMoney(subtotal, currency)}</dd>
            </div>
            <div>
              <dt>Tax{ratePercent === undefined ? "" : ` (${ratePercent}%)`}</dt>
              <dd>{formatMoney(tax, currency)}</dd>
            </div>
            <div className="totals__total">
              <dt>Total</dt>
              <dd data-testid="invoice-total">{formatMoney(subtotal + tax, currency)}</dd>
            </div>
          </dl>
          {incomplete && (
            <p className="muted small">Lines without a valid quantity and price are not counted yet.</p>
          )}
        </Card>
        <Status kind="error">{errors.form}</Status>
        <div className="row">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Creating…" : "Create invoice"}
          </button>
          <Link to="/dashboard" className="button button--quiet">
            Cancel
          </Link>
        </div>
      </form>
    </Page>
  );
}
