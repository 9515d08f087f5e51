// Maven: the version's POM, then its main artifact (a .jar unless the POM's packaging says pom;
// a PURL's `type` qualifier names another extension).
import { NOTHING } from '../client.js';
import type { Planner } from './planner.js';
import { warmAll } from './planner.js';

export const mavenPlanner: Planner = async (w, ctx) => {
  const [group = '', artifact = ''] = w.name.split(':');
  const dir = `${ctx.base}/${group.replaceAll('.', '/')}/${artifact}/${w.version}`;
  const file = `${dir}/${artifact}-${w.version}`;
  const pom = await ctx.client.read(`${file}.pom`);
  const packaging =
    /<packaging>\s*([\w.-]+)\s*<\/packaging>/.exec(pom.body.toString())?.[1] ?? 'jar';
  const ext =
    w.only ??
    (packaging === 'pom'
      ? null
      : ['bundle', 'maven-plugin'].includes(packaging)
        ? 'jar'
        : packaging);
  const more = ext ? await warmAll(ctx, [`${file}.${ext}`]) : NOTHING;
  return { ...more, files: more.files + 1, fetched: more.fetched + (pom.cache === 'HIT' ? 0 : 1) };
};
