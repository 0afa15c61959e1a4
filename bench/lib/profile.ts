import { readFileSync } from "node:fs";

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Share of the main thread that was busy (not idle). */
  readonly busyShare: number;
  readonly byPackage: ProfileEntry[];
  readonly byFunction: ProfileEntry[];
  /** Inclusive time of the project's own functions (src/…), the hottest first. */
  readonly inclusive: ProfileEntry[];
}

/** Where a frame's code lives: a package, the project's src/, node core, WASM or the engine. */
export function bucketOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName.startsWith("(")) return functionName;
    return "(native)";
  }
  if (url.startsWith("wasm://")) return "@electric-sql/pglite (wasm)";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return "node core";
  const src = url.indexOf("/src/");
  if (src >= 0)
    return `src/${url
      .slice(src + 5)
      .split("/")
      .slice(0, 2)
      .join("/")}`;
  return url.replace(/^file:\/\//, "");
}

/** The file of a frame (no line: tsx's transpiled line numbers do not match the sources). */
function shortUrl(url: string): string {
  if (!url) return "";
  const nm = url.lastIndexOf("/node_modules/");
  const tail =
    nm >= 0 ? url.slice(nm + 14) : url.includes("/src/") ? url.slice(url.indexOf("/src/") + 1) : url;
  return tail.replace(/^file:\/\//, "");
}

/** Self time by package and by function, and inclusive time of the project's functions. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  let idleMs = 0;
  const packages = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; ms: number }>();
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    const bucket = bucketOf(url, functionName);
    packages.set(bucket, (packages.get(bucket) ?? 0) + ms);
    const key = `${functionName}@${url}:${lineNumber}`;
    const entry = functions.get(key) ?? {
      name: functionName || "(anonymous)",
      where: shortUrl(url),
      ms: 0,
    };
    entry.ms += ms;
    functions.set(key, entry);
    // Inclusive: every distinct project frame on this sample's stack gets the time once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame || !frame.url.includes("/src/") || frame.url.includes("/node_modules/")) continue;
      const k = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const e = inclusive.get(k) ?? {
        name: frame.functionName || "(anonymous)",
        where: shortUrl(frame.url),
        ms: 0,
      };
      e.ms += ms;
      inclusive.set(k, e);
    }
  }
  const busy = totalMs - idleMs;
  const entries = (items: Iterable<{ name: string; where: string; ms: number }>) =>
    [...items]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, selfMs: e.ms, share: busy > 0 ? e.ms / busy : 0 }));
  return {
    file,
    totalMs,
    busyShare: totalMs > 0 ? busy / totalMs : 0,
    byPackage: entries([...packages].map(([name, ms]) => ({ name, where: "", ms }))),
    byFunction: entries(functions.values()),
    inclusive: entries(inclusive.values()),
  };
}
