import type { Config } from '../config/config.js';
import { scopes, type CallContext } from './caller.js';

/** What the edge knows about a request before it is authenticated. */
export interface RequestFacts {
  authorization: string | undefined;
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

export type CallerAuth = ReturnType<typeof createCallerAuth>;

/**
 * Turns a request into its CallContext; never throws. Without an Authorization header the
 * caller is anonymous: allowed every scope when ALLOW_ANONYMOUS_CALLERS is on (the legacy
 * callers' way), none otherwise. A token that does not verify gives no scope at all (never the
 * anonymous ones), so `authorize` answers 401.
 */
export function createCallerAuth(config: Pick<Config, 'security'>) {
  const anonymousScopes = new Set(config.security.allowAnonymousCallers ? scopes : []);

  async function contextFor(facts: RequestFacts): Promise<CallContext> {
    const base = { ip: facts.ip, userAgent: facts.userAgent ?? null, requestId: facts.requestId };
    if (facts.authorization === undefined) {
      return { ...base, caller: null, authenticated: false, scopes: anonymousScopes };
    }
    return { ...base, caller: null, authenticated: false, scopes: new Set() };
  }

  return { contextFor };
}
