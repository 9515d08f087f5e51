// Python project names (PEP 508) and their normalized form (PEP 503): lower case, with every
// run of `-`, `_` and `.` made one `-`. The normalized name is the cache key and the upstream
// path, so `Foo_Bar.baz` and `foo-bar-baz` are one project; anything that is not a valid name
// is refused before it reaches storage or an upstream.
import { TroveError } from '../../errors.js';

const VALID = /^(?:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
/** Longer than any project on PyPI; a bound, not a rule of the spec. */
const MAX = 200;

export function normalize(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The normalized name of a valid project name; throws TROVE_ERR_NAME otherwise. */
export function projectName(name: string): string {
  if (name.length > MAX) {
    throw new TroveError('TROVE_ERR_NAME', `invalid project name: longer than ${MAX} characters`);
  }
  if (!VALID.test(name)) {
    throw new TroveError(
      'TROVE_ERR_NAME',
      `invalid project name ${JSON.stringify(name)}: a name is ASCII letters and digits, ` +
        'with ".", "_" or "-" only between them (PEP 508)',
    );
  }
  return normalize(name);
}
