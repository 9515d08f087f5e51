// What a request names for the access rules, from the same parse the instance serves it with.
// A request the parse refuses names nothing: the instance answers it 400/404/405 anyway.
import type { AccessTarget } from '../../access/rules.js';
import type { EcosystemRequest } from '../ecosystem.js';

export function accessTargetOf<R>(
  parse: (req: EcosystemRequest) => R,
  target: (parsed: R) => AccessTarget,
): (req: EcosystemRequest) => AccessTarget {
  return (req) => {
    let parsed: R;
    try {
      parsed = parse(req);
    } catch {
      return { instance: true };
    }
    return target(parsed);
  };
}
