import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, messageOf } from "../api/client.ts";

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  /** The HTTP status of the last failure (0: no answer), when there is one. */
  readonly errorStatus: number | undefined;
  readonly loading: boolean;
  /** Fetches again, keeping the current data on screen meanwhile. */
  reload(): Promise<void>;
}

/**
 * GETs `path` (null: nothing to fetch yet), and again on reload(). Late answers never overwrite
 * newer ones. `load` fetches it some other way (keep it stable: a new one fetches again).
 */
export function useResource<T>(
  path: string | null,
  load: (path: string) => Promise<T> = api.get<T>,
): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [errorStatus, setErrorStatus] = useState<number>();
  const [loading, setLoading] = useState(path !== null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    if (path === null) return;
    const mine = ++generation.current;
    setLoading(true);
    try {
      const answer = await load(path);
      if (mine !== generation.current) return;
      setData(answer);
      setError(undefined);
      setErrorStatus(undefined);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(messageOf(e));
      setErrorStatus(e instanceof ApiError ? e.status : undefined);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [path, load]);

  useEffect(() => {
    void reload();
    return () => {
      generation.current++;
    };
  }, [reload]);

  return { data, error, errorStatus, loading, reload };
}

/** Calls `fn` every `ms` while `active` and the page is visible. */
export function useInterval(fn: () => void, ms: number, active = true): void {
  const saved = useRef(fn);
  useEffect(() => {
    saved.current = fn;
  }, [fn]);
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === "visible") saved.current();
    }, ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}
