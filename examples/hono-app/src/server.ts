import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";

// KEYFORGE_URL: where the Keyforge API runs (npm start in the repository root: http://127.0.0.1:8787)
const app = createApp({ baseUrl: process.env.KEYFORGE_URL ?? "http://127.0.0.1:8787", rootKey: process.env.KEYFORGE_ROOT_KEY ?? "" });
const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port }, () => console.log(`hono-app on http://localhost:${port}`));
