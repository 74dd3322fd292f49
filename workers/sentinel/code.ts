import { exports as selfExports } from "cloudflare:workers";
import { loadBundle } from "../lib/deploy/bundle";
import { withInstanceVars } from "../lib/deploy/appEnv";
import { appCode, runtimeLimits } from "../lib/deploy/runtime";
import type { SentinelEnv } from "./env";
import { Rejection } from "./errors";
import type { DeploymentSnapshot } from "./routing";

/**
 * Running a code deployment (docs/deploy.md "Serving"). The Worker Loader keeps one isolate per
 * deployment id; its code is the bundle from R2 and its env exactly the deployment's variables
 * plus Unkey's system variables, which the API Worker decrypts for us (ApiEntrypoint.deploymentEnv):
 * this Worker never holds ENCRYPTION_KEYS. The decrypted env stays in this isolate's memory for
 * that deployment only. A deployment whose variables do not decrypt does not start (503), and is
 * asked again on the next request rather than served without them.
 *
 * No binding of ours is reachable from the app: its env holds strings only, its outbound fetch
 * goes through DeploymentOutbound (the destination policy) or nowhere (outboundNetwork "none"),
 * and its console output and exceptions reach RuntimeLogTail.
 */
const envs = new Map<string, Record<string, string>>();
const MAX_ENVS = 1000;

let instance: string | undefined;
const instanceId = () => (instance ??= `i_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`);

type Loopback = (o: { props: Record<string, unknown> }) => Fetcher;
const loopback = (name: string) => (selfExports as unknown as Record<string, Loopback>)[name]!;

async function envOf(env: SentinelEnv, deploymentId: string): Promise<Record<string, string>> {
  const hit = envs.get(deploymentId);
  if (hit) return hit;
  const res = await env.API.deploymentEnv(deploymentId);
  if (!res.ok) throw new Rejection("upstream:service_unavailable", `The deployment cannot start: ${res.error}`);
  if (envs.size >= MAX_ENVS) envs.delete(envs.keys().next().value!);
  envs.set(deploymentId, res.env);
  return res.env;
}

export async function codeWorker(env: SentinelEnv, snap: DeploymentSnapshot, sha: string, region: string): Promise<{ fetch(r: Request): Promise<Response> }> {
  const loader = env.LOADER;
  const bucket = env.BUNDLES;
  if (!loader || !bucket)
    throw new Rejection("upstream:service_unavailable", "Code deployments are not configured on this Sentinel (LOADER and BUNDLES bindings, docs/deploy.md).");
  const appEnv = await envOf(env, snap.id);
  const where = region || `cloudflare::${env.SENTINEL_REGION || "local"}`;
  const stub = loader.get(`app:${snap.id}`, async () => {
    const bundle = await loadBundle(bucket, snap.workspaceId, sha);
    if (!bundle) throw new Error("the deployment's bundle is no longer stored");
    return appCode(bundle, {
      env: withInstanceVars(appEnv, where, instanceId()),
      limits: runtimeLimits(snap.runtime),
      globalOutbound: snap.runtime.outboundNetwork === "none" ? null : loopback("DeploymentOutbound")({ props: {} }),
      tails: [
        loopback("RuntimeLogTail")({
          props: {
            deploymentId: snap.id,
            workspaceId: snap.workspaceId,
            projectId: snap.projectId,
            appId: snap.appId,
            environmentId: snap.environmentId,
            region: where,
          },
        }),
      ],
    });
  });
  return stub.getEntrypoint();
}
