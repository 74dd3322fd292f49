import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/lib/env";

/** Sliding-window counters (built in the rate-limiting issue). */
export class RateLimiter extends DurableObject<Env> {}
