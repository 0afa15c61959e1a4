import type { ComponentType } from "react";
import { Layout } from "./components/layout.tsx";
import { AuthProvider, useAuth } from "./lib/auth.tsx";
import { EventsProvider } from "./lib/events.tsx";
import { Redirect, useLocation } from "./lib/router.tsx";
import { Activate } from "./pages/activate.tsx";
import { Admin } from "./pages/admin.tsx";
import { Dashboard } from "./pages/dashboard.tsx";
import { EventFlow } from "./pages/event-flow.tsx";
import { ForgotPassword } from "./pages/forgot-password.tsx";
import { Landing } from "./pages/landing.tsx";
import { Login } from "./pages/login.tsx";
import { Mailbox } from "./pages/mailbox.tsx";
import { NewInvoice } from "./pages/new-invoice.tsx";
import { NotFound } from "./pages/not-found.tsx";
import { ProfilePage } from "./pages/profile.tsx";
import { ResetPassword } from "./pages/reset-password.tsx";
import { Sessions } from "./pages/sessions.tsx";
import { Signup } from "./pages/signup.tsx";

type Access = "public" | "user" | "admin";

/** Every client-side route; the gateway answers index.html for these paths. */
const routes: Record<string, { page: ComponentType; access: Access }> = {
  "/": { page: Landing, access: "public" },
  "/signup": { page: Signup, access: "public" },
  "/login": { page: Login, access: "public" },
  "/activate": { page: Activate, access: "public" },
  "/forgot-password": { page: ForgotPassword, access: "public" },
  "/reset-password": { page: ResetPassword, access: "public" },
  "/mailbox": { page: Mailbox, access: "public" },
  "/events": { page: EventFlow, access: "public" },
  "/dashboard": { page: Dashboard, access: "user" },
  "/invoices/new": { page: NewInvoice, access: "user" },
  "/profile": { page: ProfilePage, access: "user" },
  "/sessions": { page: Sessions, access: "user" },
  "/admin": { page: Admin, access: "admin" },
};

function Routed() {
  const { path, href } = useLocation();
  const { state } = useAuth();
  const route = routes[path.length > 1 ? path.replace(/\/+$/, "") : path];
  if (!route) return <NotFound />;
  const Page = route.page;
  if (route.access === "public") return <Page />;
  if (state.status === "loading") return <p className="loading">Loading…</p>;
  if (state.status === "signed-out") return <Redirect to={`/login?next=${encodeURIComponent(href)}`} />;
  if (route.access === "admin" && state.user.role !== "admin") {
    return <NotFound message="This page is for administrators." />;
  }
  return <Page />;
}

function Signed() {
  const { state } = useAuth();
  const routed = (
    <Layout>
      <Routed />
    </Layout>
  );
  return state.status === "signed-in" ? (
    <EventsProvider key={state.user.id}>{routed}</EventsProvider>
  ) : (
    routed
  );
}

export function App() {
  return (
    <AuthProvider>
      <Signed />
    </AuthProvider>
  );
}
