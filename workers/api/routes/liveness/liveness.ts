import { createRoute, z } from "@hono/zod-openapi";
import { ok, type App } from "../../route";

const route = createRoute({
  method: "get",
  path: "/v2/liveness",
  operationId: "liveness",
  summary: "Liveness check",
  description: "Answers 200 while the Worker is serving. Needs no authentication.",
  tags: ["liveness"],
  security: [],
  responses: {
    200: {
      description: "The service is alive",
      content: {
        "application/json": {
          schema: z.object({ meta: z.object({ requestId: z.string() }), data: z.object({ message: z.string() }) }).openapi("V2LivenessResponseBody"),
        },
      },
    },
  },
});

export const registerLiveness = (app: App) => app.openapi(route, (c) => ok(c, { message: "OK" }));
