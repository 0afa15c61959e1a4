import { useCallback, useEffect, useState } from "react";
import { ApiError, messageOf } from "../api/client.ts";

export interface FormErrors {
  /** Errors by field path ("email", "customer.name", "items.0.quantity"). */
  readonly fields: Readonly<Record<string, string>>;
  /** An error that belongs to no shown field. */
  readonly form: string | undefined;
  /** Spreads an API (or any) error onto the fields this form shows; the rest goes to `form`. */
  show(error: unknown, shown: (path: string) => boolean): void;
  set(fields: Record<string, string>, form?: string): void;
  clear(): void;
}

export function useFormErrors(): FormErrors {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [form, setForm] = useState<string>();
  const show = useCallback((error: unknown, shown: (path: string) => boolean) => {
    if (error instanceof ApiError && error.details.length > 0) {
      const mine: Record<string, string> = {};
      const other: string[] = [];
      for (const d of error.details) {
        if (shown(d.path)) mine[d.path] ??= d.message;
        else other.push(d.path && d.path !== "(body)" ? `${d.path}: ${d.message}` : d.message);
      }
      setFields(mine);
      const hasFields = Object.keys(mine).length > 0;
      setForm(
        other.length > 0 ? other.join("; ") : hasFields ? "Please correct the marked fields." : error.message,
      );
      return;
    }
    setFields({});
    setForm(messageOf(error));
  }, []);
  const set = useCallback((f: Record<string, string>, message?: string) => {
    setFields(f);
    setForm(message);
  }, []);
  // Keyboard and screen-reader users land on the first field to fix.
  useEffect(() => {
    if (Object.keys(fields).length === 0) return;
    const id = window.requestAnimationFrame(() => {
      document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    });
    return () => window.cancelAnimationFrame(id);
  }, [fields]);
  const clear = useCallback(() => {
    setFields({});
    setForm(undefined);
  }, []);
  return { fields, form, show, set, clear };
}
