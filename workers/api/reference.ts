import { html, raw } from "hono/html";

/** Where scripts/build-assets.mjs puts the renderer (served by the ASSETS binding). */
export const REFERENCE_SCRIPT = "/reference/assets/scalar-api-reference.js";

/**
 * The API reference: Scalar's API reference renderer (npm `@scalar/api-reference`, standalone
 * bundle served from this Worker's static assets) over our own /openapi.json. Nothing loads from
 * another site: no web fonts, no telemetry, no AI agent or MCP features, no request proxy.
 */
export function referencePage() {
  const config = {
    url: "/openapi.json",
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    hideClientButton: true,
    showDeveloperTools: "never",
    documentDownloadType: "json",
    expandAllResponses: true,
  };
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Keyforge API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="${REFERENCE_SCRIPT}"></script>
    <script>
      Scalar.createApiReference("#app", ${raw(JSON.stringify(config))});
    </script>
  </body>
</html>`;
}
