import { html, raw } from "hono/html";

type Doc = { paths?: Record<string, Record<string, { summary?: string; description?: string; tags?: string[]; requestBody?: unknown }>> };

/**
 * A dependency-free reference page rendered from our own /openapi.json: endpoints grouped by
 * tag, each with its summary and request schema. Works offline (no CDN scripts).
 */
export function referencePage(doc: Doc) {
  const groups = new Map<string, { path: string; method: string; summary: string; description: string; schema: string }[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? "other";
      const schema = JSON.stringify(
        (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.["application/json"]?.schema ?? null,
        null,
        2,
      );
      const list = groups.get(tag) ?? [];
      list.push({ path, method: method.toUpperCase(), summary: op.summary ?? "", description: op.description ?? "", schema });
      groups.set(tag, list);
    }
  }
  const sections = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.75rem;overflow:auto;border-radius:6px}
h2{border-bottom:1px solid #ddd;padding-bottom:.25rem;margin-top:2rem}details{margin:.5rem 0}
.m{display:inline-block;min-width:3.5rem;font-weight:600;color:#0a6}</style></head>
<body><h1>API reference</h1><p>Generated from <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;root key&gt;</code>.</p>
${raw(
  sections
    .map(
      ([tag, ops]) =>
        `<h2 id="${esc(tag)}">${esc(tag)}</h2>` +
        ops
          .map(
            (o) =>
              `<details><summary><span class="m">${o.method}</span> <code>${esc(o.path)}</code> ${esc(o.summary)}</summary>` +
              `<p>${esc(o.description)}</p><pre>${esc(o.schema)}</pre></details>`,
          )
          .join(""),
    )
    .join(""),
)}
</body></html>`;
}

function esc(s: string) {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}
