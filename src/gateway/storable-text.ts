import { z } from "zod";

/**
 * A NUL character, or a UTF-16 surrogate without its pair: JSON can carry both ("\u0000",
 * "\ud800"), but neither is text PostgreSQL can store (text and jsonb refuse NUL; an unpaired
 * surrogate has no UTF-8 form). Let through, such a string would fail the log append or the
 * service's write, and the request would be answered 503 although nothing is down.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const MESSAGE = "must be text without NUL characters (U+0000) or unpaired surrogates";

/** Details past this many are left out: one is enough to fix the request. */
const MAX_ISSUES = 20;

/** A place in the value being walked: its key under its parent (the root has none). */
interface Place {
  readonly value: unknown;
  readonly parent?: Place;
  readonly key?: string | number;
}

/**
 * Fails with a ZodError (400 VALIDATION_FAILED, one detail per string) when any string in
 * `value` — object keys included, at any depth — is not storable text. The walk keeps its own
 * stack, so a deeply nested body cannot overflow the call stack, and it builds a path only for
 * a string it reports (at most 20), so a 64 KiB body costs linear time however it nests.
 */
export function requireStorableText(value: unknown): void {
  const issues: z.core.$ZodIssue[] = [];
  const report = (place: Place, message: string) => {
    if (issues.length >= MAX_ISSUES) return;
    const path: (string | number)[] = [];
    for (let p: Place | undefined = place; p?.key !== undefined; p = p.parent) path.push(p.key);
    issues.push({ code: "custom", path: path.reverse(), message, input: undefined });
  };
  const pending: Place[] = [{ value }];
  for (let place = pending.pop(); place && issues.length < MAX_ISSUES; place = pending.pop()) {
    const item = place.value;
    if (typeof item === "string") {
      if (UNSTORABLE.test(item)) report(place, MESSAGE);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push({ value: item[i], parent: place, key: i });
    } else if (item !== null && typeof item === "object") {
      for (const [key, element] of Object.entries(item).reverse()) {
        if (UNSTORABLE.test(key)) report(place, `a key ${MESSAGE}`);
        pending.push({ value: element, parent: place, key });
      }
    }
  }
  if (issues.length > 0) throw new z.ZodError(issues);
}
