// A stored body checked to be one whole JSON object, read in bounded pieces; `rules` may watch
// members on the way. Throws a plain Error naming what is wrong (callers say whose body it is).
import type { BodyView } from '../engine/types.js';
import { JsonScanner, type ScanRules } from './json-scan.js';
import { pieces } from './pieces.js';

const NOTHING: ScanRules = {
  descend: () => false,
  capture: () => false,
  onMember: () => undefined,
};

export async function scanObject(body: BodyView, rules: ScanRules = NOTHING): Promise<void> {
  const first = (await body.read(0, Math.min(body.size, 64))).toString('utf8').trimStart();
  if (!first.startsWith('{')) throw new Error('not a JSON object');
  const scanner = new JsonScanner(rules);
  for await (const piece of pieces(body, 1024 * 1024)) scanner.push(piece);
  scanner.end();
}
