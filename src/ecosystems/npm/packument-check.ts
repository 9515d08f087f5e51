// A packument is checked before it is kept: well-formed JSON all the way through, an object
// whose `name` is the package asked for, and `versions` an object when present. A registry
// that answers with an HTML error page, a truncated document or another package's document
// gets a 502, and nothing is cached.
import type { BodyView } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import { scanObject } from '../../derive/json-check.js';

function refuse(why: string): TroveError {
  return new TroveError('TROVE_ERR_UPSTREAM_BODY', `upstream packument refused: ${why}`);
}

export async function checkPackument(body: BodyView, name: string): Promise<void> {
  let seen: unknown;
  let versionsAt: number | undefined;
  try {
    await scanObject(body, {
      descend: () => false,
      capture: (p) => p[0] === 'name',
      onMember(m) {
        if (m.path[0] === 'name' && m.raw) seen = JSON.parse(m.raw.toString('utf8'));
        if (m.path[0] === 'versions') versionsAt = m.start;
      },
    });
  } catch (err) {
    throw refuse(err instanceof Error ? err.message : String(err));
  }
  if (seen !== name) throw refuse(`its name is ${JSON.stringify(seen)}, not "${name}"`);
  if (versionsAt !== undefined && (await body.read(versionsAt, 1)).toString() !== '{') {
    throw refuse('"versions" is not an object');
  }
}
