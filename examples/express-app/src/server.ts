import { createApp } from "./app.ts";

const app = createApp({ baseUrl: process.env.KEYFORGE_URL ?? "http://127.0.0.1:8787", rootKey: process.env.KEYFORGE_ROOT_KEY ?? "" });
const port = Number(process.env.PORT ?? 3001);
app.listen(port, () => console.log(`express-app on http://localhost:${port}`));
