import { WorkerEntrypoint } from "cloudflare:workers";
import { destinationPolicy, destinationProblem, type DestinationEnv } from "../destinations";

/**
 * Outbound requests of code deployments (runtime setting outboundNetwork = "public"): the
 * loader's `globalOutbound` is this entrypoint, so every `fetch()` the app makes passes the one
 * destination policy (workers/lib/destinations.ts) first: no loopback (unless
 * ALLOW_LOCAL_DESTINATIONS=1), private, link-local or metadata addresses, no hosts of this
 * platform. With outboundNetwork = "none" the app gets no outbound at all (globalOutbound null).
 */
export type OutboundEnv = DestinationEnv;

export function checkOutboundDestination(url: URL, env: OutboundEnv): string | null {
  const problem = destinationProblem(url.href, destinationPolicy(env));
  return problem ? `${url.host} ${problem}` : null;
}

/** The app's outbound fetch: refused destinations answer 403 with a reason, others go out. */
export class DeploymentOutbound extends WorkerEntrypoint<OutboundEnv> {
  async fetch(request: Request): Promise<Response> {
    const refused = checkOutboundDestination(new URL(request.url), this.env);
    if (refused)
      return new Response(`Outbound request refused by the platform's destination policy: ${refused}.`, {
        status: 403,
        headers: { "x-unkey-outbound": "refused" },
      });
    return fetch(request);
  }
}
