import type { GatewayContext } from "../context.ts";

/** /openapi.json (built from the declared routes) and /docs, a page that renders it. */
export function docsRoutes({ api, platform }: GatewayContext): void {
  let cached: Record<string, unknown> | undefined;
  api.app.get("/openapi.json", async () => {
    cached ??= api.openapi({ title: "Ledgerline API", version: "1", serverUrl: platform.config.publicUrl });
    return cached;
  });
  api.app.get("/docs", async (_request, reply) => reply.type("text/html; charset=utf-8").send(docsPage));
  api.app.get("/docs.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(docsScript),
  );
}

// Self-contained (no CDN): the CSP allows only this origin.
const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Ledgerline API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d9e2ec}code{background:#f0f4f8;padding:.1rem .3rem;border-radius:3px}
.op{margin:.6rem 0;padding:.6rem .8rem;border:1px solid #d9e2ec;border-radius:6px}.m{font-weight:700;display:inline-block;width:4.5rem}
.GET{color:#0b7285}.POST{color:#2b8a3e}.PATCH{color:#e67700}.DELETE{color:#c92a2a}small{color:#52606d}pre{white-space:pre-wrap;font-size:12px}</style>
</head><body><h1>Ledgerline API v1</h1><p>The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<div id="ops">Loading…</div><script src="/docs.js"></script></body></html>`;

const docsScript = `fetch("/openapi.json").then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    (byTag[op.tags[0]] ??= []).push({ path, method: method.toUpperCase(), op });
  }
  const root = document.getElementById("ops");
  root.textContent = "";
  for (const [tag, list] of Object.entries(byTag)) {
    const h = document.createElement("h2"); h.textContent = tag; root.append(h);
    for (const { path, method, op } of list) {
      const d = document.createElement("div"); d.className = "op";
      const m = document.createElement("span"); m.className = "m " + method; m.textContent = method;
      const c = document.createElement("code"); c.textContent = path;
      const s = document.createElement("div"); s.textContent = op.summary;
      const e = document.createElement("small"); e.textContent = Object.entries(op.responses).map(([k, v]) => k + ": " + v.description).join(" · ");
      d.append(m, c, s, e);
      const body = op.requestBody?.content?.["application/json"]?.schema;
      if (body) { const pre = document.createElement("pre"); pre.textContent = JSON.stringify(body.properties ?? body, null, 1); d.append(pre); }
      root.append(d);
    }
  }
});`;
