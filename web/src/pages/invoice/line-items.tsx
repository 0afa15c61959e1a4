import { useEffect, useRef } from "react";
import { Field } from "../../components/field.tsx";
import { formatMoney, lineCents, parseAmount } from "../../lib/format.ts";

export interface Line {
  readonly key: number;
  readonly description: string;
  readonly quantity: string;
  readonly price: string;
}

let nextKey = 1;
export const newLine = (): Line => ({ key: nextKey++, description: "", quantity: "1", price: "" });

/** The line's amount in cents, or undefined while its quantity or price is not a valid number. */
export function lineAmount(line: Line, currency: string): number | undefined {
  const quantity = /^\d+$/.test(line.quantity.trim()) ? Number(line.quantity) : NaN;
  const price = parseAmount(line.price, currency);
  if (!Number.isInteger(quantity) || quantity < 1 || price === undefined) return undefined;
  return lineCents(quantity, price);
}

interface Props {
  readonly lines: readonly Line[];
  readonly currency: string;
  readonly errors: Readonly<Record<string, string>>;
  onChange(lines: Line[]): void;
}

/** Editable line items: add, remove, and each line's amount as you type. */
export function LineItems({ lines, currency, errors, onChange }: Props) {
  const focusKey = useRef<number | undefined>(undefined);
  const descriptions = useRef(new Map<number, HTMLInputElement>());

  useEffect(() => {
    if (focusKey.current === undefined) return;
    descriptions.current.get(focusKey.current)?.focus();
    focusKey.current = undefined;
  }, [lines]);

  const update = (key: number, patch: Partial<Line>) =>
    onChange(lines.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  const add = () => {
    const line = newLine();
    focusKey.current = line.key;
    onChange([...lines, line]);
  };
  const remove = (index: number) => {
    const rest = lines.filter((_, i) => i !== index);
    const neighbour = rest[Math.min(index, rest.length - 1)];
    if (neighbour) focusKey.current = neighbour.key;
    onChange(rest);
  };

  return (
    <fieldset className="lines">
      <legend className="sr-only">Line items</legend>
      {errors.items && <p className="field__error">{errors.items}</p>}
      <ol className="lines__list">
        {lines.map((line, i) => {
          const amount = lineAmount(line, currency);
          const e = (field: string) => errors[`items.${i}.${field}`];
          return (
            <li key={line.key} className="line">
              <Field
                label={`Description, line ${i + 1}`}
                error={e("description")}
                className="line__description"
              >
                {(a11y) => (
                  <input
                    {...a11y}
                    ref={(el) => {
                      if (el) descriptions.current.set(line.key, el);
                      else descriptions.current.delete(line.key);
                    }}
                    name={`items.${i}.description`}
                    value={line.description}
                    onChange={(ev) => update(line.key, { description: ev.target.value })}
                  />
                )}
              </Field>
              <Field label="Quantity" error={e("quantity")} className="line__quantity">
                {(a11y) => (
                  <input
                    {...a11y}
                    name={`items.${i}.quantity`}
                    inputMode="numeric"
                    value={line.quantity}
                    onChange={(ev) => update(line.key, { quantity: ev.target.value })}
                  />
                )}
              </Field>
              <Field label={`Unit price (${currency})`} error={e("unitPriceCents")} className="line__price">
                {(a11y) => (
                  <input
                    {...a11y}
                    name={`items.${i}.unitPrice`}
                    inputMode="decimal"
                    placeholder="0.00"
                    value={line.price}
                    onChange={(ev) => update(line.key, { price: ev.target.value })}
                  />
                )}
              </Field>
              <div className="line__amount">
                <span className="line__amount-label">Amount</span>
                <output aria-label={`Amount, line ${i + 1}`}>
                  {amount === undefined ? "—" : formatMoney(amount, currency)}
                </output>
              </div>
              <button
                type="button"
                className="button button--quiet line__remove"
                onClick={() => remove(i)}
                disabled={lines.length === 1}
                aria-label={`Remove line ${i + 1}`}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ol>
      <button type="button" className="button" onClick={add}>
        Add a line
      </button>
    </fieldset>
  );
}
