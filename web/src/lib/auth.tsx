import type { ReactNode } from "react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, csrfToken, setUnauthenticatedHandler } from "../api/client.ts";
import type { Profile, SignedInUser } from "../api/types.ts";
import { navigate } from "./router.tsx";

export type AuthState =
  | { readonly status: "loading" }
  | { readonly status: "signed-out" }
  | { readonly status: "signed-in"; readonly user: SignedInUser & Partial<Profile> };

interface Auth {
  readonly state: AuthState;
  /** After a successful POST /api/v1/login. */
  signedIn(user: SignedInUser): void;
  signOut(): Promise<void>;
  /** Re-reads /api/v1/me (after a profile change). */
  refresh(): Promise<void>;
}

const AuthContext = createContext<Auth | undefined>(undefined);

/** Where a session that ended under the user's feet sends them. */
export const SESSION_ENDED = "/login?ended=1";

export function AuthProvider({ children }: { readonly children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: "loading" });
  const current = useRef(state);
  useEffect(() => {
    current.current = state;
  }, [state]);

  const refresh = useCallback(async () => {
    // The CSRF cookie lives exactly as long as the HttpOnly session cookie: without it, no session.
    if (!csrfToken()) return setState({ status: "signed-out" });
    try {
      const me = await api.get<Profile>("/api/v1/me", { quiet401: true });
      setState({ status: "signed-in", user: me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setState({ status: "signed-out" });
      else setState((s) => (s.status === "loading" ? { status: "signed-out" } : s));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      const wasSignedIn = current.current.status === "signed-in";
      current.current = { status: "signed-out" };
      setState(current.current);
      if (wasSignedIn) navigate(SESSION_ENDED, { replace: true });
    });
    return () => setUnauthenticatedHandler(undefined);
  }, []);

  const auth = useMemo<Auth>(
    () => ({
      state,
      signedIn: (user) => {
        setState({ status: "signed-in", user });
        void refresh();
      },
      signOut: async () => {
        try {
          await api.post("/api/v1/logout", undefined, { quiet401: true });
        } finally {
          setState({ status: "signed-out" });
          navigate("/", { replace: true });
        }
      },
      refresh,
    }),
    [state, refresh],
  );
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** The signed-in user; only for pages rendered behind <RequireAuth>. */
export function useUser(): SignedInUser & Partial<Profile> {
  const { state } = useAuth();
  if (state.status !== "signed-in") throw new Error("useUser without a session");
  return state.user;
}
