import type { CreditsLowThreshold } from "../../../schema/webhooks";

/** An endpoint subscribed to credit events of the key's workspace. */
export interface CreditsEndpoint {
  id: string;
  events: string[];
  threshold: CreditsLowThreshold | null;
}

type Kind = "low" | "exhausted";
type Flag = { endpointId: string; kind: Kind };

/** Without a setting, key.credits_low fires at 10% of the base. */
export const DEFAULT_LOW_THRESHOLD: CreditsLowThreshold = { percent: 10 };

/** Credits left at or below which key.credits_low fires; null when no threshold applies. */
export function lowThreshold(setting: CreditsLowThreshold | null, base: number | null): number | null {
  const t = setting ?? DEFAULT_LOW_THRESHOLD;
  if ("absolute" in t) return t.absolute;
  if (base === null) return null;
  return Math.floor((base * t.percent) / 100);
}

/**
 * Pure decision of the UsageLimiter's credit webhooks. `sent` holds `endpointId|kind` of events
 * already sent and not re-armed. Below (or at) a threshold with no flag: send and set the flag;
 * above it: clear the flag (a refill or top-up re-arms the event).
 */
export function creditsTransitions(endpoints: CreditsEndpoint[], remaining: number | null, base: number | null, sent: Set<string>) {
  const send: { endpointId: string; type: "key.credits_low" | "key.credits_exhausted"; data: Record<string, unknown> }[] = [];
  const disarm: Flag[] = [];
  const arm: Flag[] = [];
  for (const ep of endpoints) {
    if (ep.events.includes("key.credits_low")) {
      const t = lowThreshold(ep.threshold, base);
      if (t !== null && remaining !== null && remaining <= t) {
        if (!sent.has(`${ep.id}|low`)) {
          disarm.push({ endpointId: ep.id, kind: "low" });
          send.push({ endpointId: ep.id, type: "key.credits_low", data: { remaining, threshold: t, thresholdSetting: ep.threshold } });
        }
      } else if (sent.has(`${ep.id}|low`)) arm.push({ endpointId: ep.id, kind: "low" });
    }
    if (ep.events.includes("key.credits_exhausted")) {
      if (remaining === 0) {
        if (!sent.has(`${ep.id}|exhausted`)) {
          disarm.push({ endpointId: ep.id, kind: "exhausted" });
          send.push({ endpointId: ep.id, type: "key.credits_exhausted", data: { remaining: 0 } });
        }
      } else if (sent.has(`${ep.id}|exhausted`)) arm.push({ endpointId: ep.id, kind: "exhausted" });
    }
  }
  return { send, arm, disarm };
}
