/**
 * Verification and rate-limit events (analytics-audit-portal-security §1). Handlers hand each
 * event to these functions; the analytics work ships them through a Queue. INTERFACE ONLY:
 * until then events are dropped.
 */
export interface VerificationEvent {
  requestId: string;
  time: number;
  workspaceId: string;
  keySpaceId: string;
  keyId: string;
  identityId?: string | null;
  externalId?: string | null;
  outcome: string; // the verify code
  region?: string;
  tags: string[];
  spentCredits?: number;
}

export interface RatelimitEvent {
  requestId: string;
  time: number;
  workspaceId: string;
  namespaceId: string;
  namespaceName: string;
  identifier: string;
  passed: boolean;
  cost: number;
  limit: number;
  duration: number;
}

export interface EventContext {
  env: import("../env").Env;
  waitUntil(p: Promise<unknown>): void;
}

export function recordVerification(_ctx: EventContext, _event: VerificationEvent): void {}
export function recordRatelimit(_ctx: EventContext, _event: RatelimitEvent): void {}
