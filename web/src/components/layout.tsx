import type { ReactNode } from "react";
import { useEffect, useState } from "react";
import { useAuth } from "../lib/auth.tsx";
import { useStreamStatus } from "../lib/events.tsx";
import { Link, useLocation } from "../lib/router.tsx";

function NavLink({ to, children }: { readonly to: string; readonly children: ReactNode }) {
  const { path } = useLocation();
  const current = path === to;
  return (
    <Link to={to} className="nav__link" {...(current ? { "aria-current": "page" as const } : {})}>
      {children}
    </Link>
  );
}

function LiveBadge() {
  const status = useStreamStatus();
  const text = { live: "Live", connecting: "Connecting…", offline: "Offline" }[status];
  return (
    <span className={`live live--${status}`} title="Live updates from the server">
      <span className="live__dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function Layout({ children }: { readonly children: ReactNode }) {
  const { state, signOut } = useAuth();
  const { path } = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const user = state.status === "signed-in" ? state.user : undefined;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link to={user ? "/dashboard" : "/"} className="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" />
            Ledgerline
          </Link>
          <button
            type="button"
            className="nav-toggle"
            aria-expanded={open}
            aria-controls="site-nav"
            onClick={() => setOpen((o) => !o)}
          >
            Menu
          </button>
          <nav id="site-nav" className={`nav${open ? " nav--open" : ""}`} aria-label="Main">
            {user ? (
              <>
                <NavLink to="/dashboard">Dashboard</NavLink>
                <NavLink to="/invoices/new">New invoice</NavLink>
                <NavLink to="/profile">Profile</NavLink>
                <NavLink to="/sessions">Sessions</NavLink>
                {user.role === "admin" && <NavLink to="/admin">Admin</NavLink>}
              </>
            ) : (
              <>
                <NavLink to="/login">Sign in</NavLink>
                <NavLink to="/signup">Sign up</NavLink>
              </>
            )}
            <NavLink to="/mailbox">Mailbox</NavLink>
            <NavLink to="/events">Event flow</NavLink>
            {user && (
              <span className="nav__user">
                <LiveBadge />
                <span className="nav__email" title={user.email}>
                  {user.email}
                </span>
                <button type="button" className="button button--quiet" onClick={() => void signOut()}>
                  Sign out
                </button>
              </span>
            )}
          </nav>
        </div>
      </header>
      <main id="main" className="main">
        {children}
      </main>
      <footer className="footer">Ledgerline · event-driven accounting</footer>
    </div>
  );
}
