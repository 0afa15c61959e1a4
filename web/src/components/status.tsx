import type { ReactNode } from "react";

export type StatusKind = "info" | "success" | "error";

/**
 * A message read out by screen readers when it changes. The live region stays in the page, empty
 * when there is nothing to say, so assistive technology notices what arrives later.
 */
export function Status({
  kind = "info",
  plain,
  children,
  className,
}: {
  readonly kind?: StatusKind | undefined;
  /** Plain text rather than a coloured box (counts, progress). */
  readonly plain?: boolean;
  readonly children?: ReactNode;
  readonly className?: string;
}) {
  const empty = children === undefined || children === null || children === false || children === "";
  const look = empty ? " status--empty" : plain ? " status--plain" : ` status--${kind}`;
  return (
    <div
      className={`status${look}${className ? ` ${className}` : ""}`}
      role={kind === "error" ? "alert" : "status"}
      aria-live={kind === "error" ? "assertive" : "polite"}
    >
      {empty ? null : children}
    </div>
  );
}
