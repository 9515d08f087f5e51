// The dependency tree the pip tests and benchmarks install: alpha 1.1 needs beta>=1.1 and
// gamma-lib; beta 1.1 needs gamma-lib<2. gamma-lib 1.6 needs Python 4 and 1.7 is yanked, so
// a correct resolver through a correct mirror picks alpha 1.1, beta 1.1 and gamma-lib 1.5.
import { sdist, wheel, type Dist } from './pypi-dists.js';

export const TREE_PICKS = { alpha: '1.1', beta: '1.1', 'gamma-lib': '1.5' } as const;

export async function pypiTree(): Promise<Dist[]> {
  return [
    await wheel('alpha', '1.0', { requires: ['beta>=1.0'] }),
    await wheel('alpha', '1.1', { requires: ['beta>=1.1', 'Gamma_Lib'] }),
    sdist('alpha', '1.1'),
    await wheel('beta', '1.0'),
    await wheel('beta', '1.1', { requires: ['gamma-lib<2'], requiresPython: '>=3.7' }),
    await wheel('gamma-lib', '1.0'),
    await wheel('gamma-lib', '1.5'),
    await wheel('gamma-lib', '1.6', { requiresPython: '>=4' }),
    await wheel('gamma-lib', '1.7', { yanked: 'bad release' }),
    await wheel('gamma-lib', '2.0'),
  ];
}

/** The wheel a pick resolves to. */
export function picked(dists: Dist[], project: keyof typeof TREE_PICKS): Dist {
  const d = dists.find(
    (x) =>
      x.project === project && x.version === TREE_PICKS[project] && x.filename.endsWith('.whl'),
  );
  if (!d) throw new Error(`no wheel for ${project}`);
  return d;
}
