import type { ReactNode } from "react";
import { useEffect, useRef } from "react";

/** A page: its <h1> (focused on arrival, for keyboard and screen-reader users) and the document title. */
export function Page({
  title,
  actions,
  narrow,
  children,
}: {
  readonly title: string;
  readonly actions?: ReactNode;
  readonly narrow?: boolean;
  readonly children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Ledgerline`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <div className={`page${narrow ? " page--narrow" : ""}`}>
      <div className="page__head">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions && <div className="page__actions">{actions}</div>}
      </div>
      {children}
    </div>
  );
}

export function Card({
  title,
  actions,
  children,
  className,
}: {
  readonly title?: ReactNode;
  readonly actions?: ReactNode;
  readonly children: ReactNode;
  readonly className?: string;
}) {
  return (
    <section className={`card${className ? ` ${className}` : ""}`}>
      {(title || actions) && (
        <div className="card__head">
          {title && <h2>{title}</h2>}
          {actions && <div className="card__actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}
