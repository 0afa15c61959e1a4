import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { useEffect, useSyncExternalStore } from "react";

/** A tiny history router: the URL is the state; navigate() pushes it and re-renders subscribers. */

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot() && !options.replace) return;
  const samePage = new URL(to, window.location.href).pathname === window.location.pathname;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  if (!samePage) window.scrollTo(0, 0);
  notify();
}

export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly href: string;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, query: url.searchParams, href };
}

/** The in-app path of `href` when it points at this origin, else undefined. */
export function appPath(href: string): string | undefined {
  try {
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return undefined;
    return url.pathname + url.search + url.hash;
  } catch {
    return undefined;
  }
}

function plainClick(event: MouseEvent<HTMLAnchorElement>): boolean {
  return (
    !event.defaultPrevented &&
    event.button === 0 &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey
  );
}

export interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  readonly to: string;
}

/** An anchor that navigates inside the app for plain clicks on same-origin links. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    const path = appPath(to);
    if (path === undefined || !plainClick(event) || rest.target === "_blank") return;
    event.preventDefault();
    navigate(path);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

export function Redirect({ to }: { readonly to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
