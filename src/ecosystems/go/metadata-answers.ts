// Answers built from cached metadata: the filtered version list, and @latest or query .info
// checked against version rules. Each reads the upstream answer through the cache.
import type { Loaded } from '../../engine/engine.js';
import type { Resource } from '../../engine/types.js';
import { toTroveError } from '../../errors.js';
import type { Decision } from '../ecosystem.js';
import { textError } from '../common/responses.js';
import type { Gatekeeper } from './gatekeeper.js';
import { escapeVersion } from './module-path.js';
import { textResponse } from './responses.js';
import { filterList, infoVersion, latestOf } from './version-lists.js';

export interface MetadataContext {
  load(resource: Resource): Promise<Loaded>;
  gate: Gatekeeper;
  /** The resource for another file of the same module: "list" or "<version>.info". */
  sibling(file: string): Resource;
}

function notFound(l: Extract<Loaded, { kind: 'negative' }>, what: string): Decision {
  return textResponse(l.status, `not found: ${what}`);
}

function body(l: Extract<Loaded, { kind: 'body' }>, type: string, data: Buffer | string): Decision {
  return {
    kind: 'response',
    response: { status: 200, headers: { 'content-type': type, 'x-cache': l.result }, body: data },
  };
}

async function guarded(fn: () => Promise<Decision>): Promise<Decision> {
  try {
    return await fn();
  } catch (err) {
    return { kind: 'response', response: textError(toTroveError(err)) };
  }
}

export function listAnswer(module: string, list: Resource, c: MetadataContext): Promise<Decision> {
  return guarded(async () => {
    const l = await c.load(list);
    if (l.kind === 'negative') return notFound(l, `${module}: no version list`);
    const versions = filterList(l.body.toString('utf8'), (v) => !c.gate.refusal(module, v));
    const text = versions.map((v) => `${v}\n`).join('');
    return body(l, 'text/plain; charset=utf-8', text);
  });
}

/** @latest or a query's .info: the upstream's answer when its version is allowed. */
export function resolvedAnswer(
  module: string,
  resource: Resource,
  latest: boolean,
  c: MetadataContext,
): Promise<Decision> {
  return guarded(async () => {
    const l = await c.load(resource);
    if (l.kind === 'negative') return notFound(l, `${module}: unknown revision`);
    const version = infoVersion(l.body);
    if (!version) return textResponse(502, `${module}: upstream answered malformed JSON`);
    const refusal = c.gate.refusal(module, version);
    if (!refusal) return body(l, 'application/json', l.body);
    if (!latest) return textResponse(403, refusal);
    // The newest version is refused: offer the newest allowed one instead.
    const list = await c.load(c.sibling('list'));
    const allowed =
      list.kind === 'body'
        ? filterList(list.body.toString('utf8'), (v) => !c.gate.refusal(module, v))
        : [];
    const pick = latestOf(allowed);
    if (!pick) return textResponse(403, `${refusal}; no other version is allowed`);
    const info = await c.load(c.sibling(`${escapeVersionString(pick)}.info`));
    if (info.kind === 'negative') return notFound(info, `${module}@${pick}`);
    return body(info, 'application/json', info.body);
  });
}

function escapeVersionString(v: string): string {
  const e = escapeVersion(v);
  if (!e.ok) throw new Error(e.reason); // canonical versions always escape
  return e.value;
}
