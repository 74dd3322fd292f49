import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../../lib/env";
import { authorize } from "../../middleware/auth";
import { ApiError } from "../../../lib/errors";
import { ErrorBody, type App } from "../../route";

const PATH = "/v2/github.installApp";

// Unkey answers with a GitHub App install URL so GitHub pushes build deployments. Deployments
// here are built and uploaded by `unkey deploy` (docs/sentinel.md), so there is nothing to install:
// the SDK's call gets a clear 412 instead of a 404. It takes no body (the SDK sends none).
const route = createRoute({
  method: "post",
  path: PATH,
  operationId: "github.installApp",
  summary: "Install the GitHub App (not available here)",
  description:
    "Needs `workspace.*.install_github`. GitHub-triggered builds do not apply to this platform: deployments are built and uploaded with `unkey deploy`. Always answers 412 `precondition_failed` once authorized.",
  tags: ["github"],
  // documentation only (the handler reads no body): any JSON object, or none
  request: { body: { required: false, content: { "application/json": { schema: z.object({}).openapi("GithubInstallAppRequestBody") } } } },
  responses: {
    // never sent: the operation always ends in 412 (kept so the document shows the success shape an SDK would expect)
    200: { description: "Not available on this platform", content: { "application/json": { schema: z.object({}).openapi("GithubInstallAppResponseBody") } } },
    400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
    401: { description: "Unauthorized", content: { "application/json": { schema: ErrorBody } } },
    403: { description: "Forbidden", content: { "application/json": { schema: ErrorBody } } },
    412: { description: "GitHub builds do not apply here: use `unkey deploy`", content: { "application/json": { schema: ErrorBody } } },
    500: { description: "Internal server error", content: { "application/json": { schema: ErrorBody } } },
  },
});

export const register = (app: App) => {
  app.openAPIRegistry.registerPath(route);
  app.post(PATH, handle);
};

async function handle(c: Context<AppEnv>): Promise<Response> {
  await authorize(c, "workspace.*.install_github");
  throw new ApiError(
    "unkey/application/precondition_failed",
    "GitHub App installation is not available on this platform: GitHub builds do not apply here. Build and upload deployments with `unkey deploy` instead (docs/sentinel.md).",
  );
}
