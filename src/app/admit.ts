// Access control in front of an instance: the gate's verdict, rendered in the protocol's own
// format (401 with the ecosystem's challenge, 403, 429 with Retry-After).
import type { InstanceGate } from '../access/instance-gate.js';
import type {
  EcosystemInstance,
  EcosystemRequest,
  RequestAccess,
  SyntheticResponse,
} from '../ecosystems/ecosystem.js';

export type Admitted =
  | { ok: true; access: RequestAccess; fetch: boolean; refusedFetch: () => void }
  | { ok: false; response: SyntheticResponse };

const BASIC = 'Basic realm="Trove", charset="UTF-8"';

export async function admit(
  gate: InstanceGate,
  instance: EcosystemInstance,
  req: EcosystemRequest,
  client: string,
): Promise<Admitted> {
  const target = instance.accessTarget ? instance.accessTarget(req) : { listing: true as const };
  const header = req.headers.authorization;
  const verdict = await gate.check({ authorization: header, client, target });
  if (!verdict.ok) {
    const response = instance.formatError(verdict.error);
    const headers: Record<string, string> = { ...response.headers, 'cache-control': 'no-store' };
    if (verdict.challenge) {
      headers['www-authenticate'] = instance.challenge?.(req) ?? BASIC;
    }
    if (verdict.retryAfter) headers['retry-after'] = String(verdict.retryAfter);
    return { ok: false, response: { ...response, headers } };
  }
  const identity = verdict.identity;
  return {
    ok: true,
    fetch: verdict.fetch,
    refusedFetch: () => gate.deniedFetch(identity, client, 'name' in target ? target.name : ''),
    access: {
      subject: identity?.subject ?? null,
      issueToken: (extra) => (identity ? gate.issue(identity, client, extra) : null),
      extra: identity?.extra ?? null,
    },
  };
}
