/**
 * hello-worker: the smallest app for `unkey deploy` (README "Deploy an app in one minute").
 * It reads a variable (GREETING, from [vars] or `--env-file`), logs a line (found with
 * analytics.getRuntimeLogs) and reads the Principal the Sentinel sends after a keyauth policy.
 */
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const header = request.headers.get("x-unkey-principal");
    const principal = header ? JSON.parse(header) : null;
    // a JSON line: its fields become the log row's attributes_text
    console.log(JSON.stringify({ msg: "hello-worker served a request", path: url.pathname, subject: principal?.subject ?? null }));
    if (url.pathname === "/throw") throw new Error("hello-worker was asked to throw");
    return Response.json({
      greeting: env.GREETING ?? "hello",
      principal,
      deploymentId: env.UNKEY_DEPLOYMENT_ID,
      environment: env.UNKEY_ENVIRONMENT_SLUG,
    });
  },
};
