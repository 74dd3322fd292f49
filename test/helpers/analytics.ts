import type { AnalyticsMessage, RatelimitEvent, VerificationEvent } from "../../workers/lib/analytics/messages";

let seq = 0;

/** A verification event message with sensible defaults. */
export function verification(over: Partial<VerificationEvent> & { workspaceId: string }, id?: string): AnalyticsMessage {
  seq++;
  return {
    v: 1,
    type: "verification",
    id: id ?? `evt_test_${Date.now()}_${seq}_${Math.random().toString(36).slice(2)}`,
    event: {
      requestId: `req_${seq}`,
      time: Date.now(),
      keySpaceId: "ks_test",
      keyId: "key_test",
      outcome: "VALID",
      tags: [],
      spentCredits: 0,
      ...over,
    },
  };
}

export function ratelimit(over: Partial<RatelimitEvent> & { workspaceId: string }, id?: string): AnalyticsMessage {
  seq++;
  return {
    v: 1,
    type: "ratelimit",
    id: id ?? `evt_rl_${Date.now()}_${seq}_${Math.random().toString(36).slice(2)}`,
    event: {
      requestId: `req_${seq}`,
      time: Date.now(),
      namespaceId: "rlns_test",
      namespaceName: "test",
      identifier: "user_1",
      passed: true,
      cost: 1,
      limit: 10,
      duration: 60_000,
      ...over,
    },
  };
}
