import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/lib/env";

/** Credits of one key (built in the keys issue). */
export class UsageLimiter extends DurableObject<Env> {}
