// The `cargo` ecosystem: a pull-through mirror of a Cargo sparse registry (crates.io's
// index.crates.io by default). config.json rewritten so downloads come through Trove, index
// files revalidated with ETags (cargo's conditional requests get 304s), and crates verified
// against the index's cksum before they are kept.
import { createHash } from 'node:crypto';
import { cargoBrowser } from './cargo-browse.js';
import { TroveError, toTroveError } from '../../errors.js';
import { accessTargetOf } from '../common/access-target.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceContext,
} from '../ecosystem.js';
import { AccessGate } from '../common/access-gate.js';
import { retryableStatus, textError } from '../common/responses.js';
import { cargoSchema, type CargoConfig } from './cargo-config.js';
import { classify, type CargoRequest } from './cargo-request.js';
import { CargoResources } from './cargo-resources.js';

function cargoError(err: TroveError) {
  return textError(err, retryableStatus(err));
}

function decide(
  r: CargoRequest,
  res: CargoResources,
  baseUrl: string,
  client: string | undefined,
): Decision {
  switch (r.kind) {
    case 'config':
      return { kind: 'resource', resource: res.config(baseUrl, client) };
    case 'index':
      return { kind: 'resource', resource: res.index(r.crate, false, client) };
    case 'download':
      return { kind: 'resource', resource: res.download(r.crate, r.version, client) };
  }
}

function refused(status: number, reason: string): Decision {
  const err = new TroveError('TROVE_ERR_UNAUTHORIZED', reason, { status });
  const response = cargoError(err);
  if (status === 401) response.headers['www-authenticate'] = 'Cargo';
  return { kind: 'response', response };
}

/**
 * Passthrough: the client's token, once the registry has accepted it (asked again after
 * `access_cache_for`); cached objects are never served to a client it has not accepted.
 */
async function admit(
  req: EcosystemRequest,
  res: CargoResources,
  gate: AccessGate,
): Promise<{ client: string } | Decision> {
  const client = req.headers.authorization;
  if (!client) return refused(401, 'this registry needs a token (cargo login)');
  const key = createHash('sha256').update(client).digest('hex');
  const access = await gate.check(key, () => res.probe(client));
  if (!access.ok) return refused(access.status, access.reason);
  return { client };
}

function createCargoInstance(
  name: string,
  cfg: CargoConfig,
  ctx: InstanceContext,
): EcosystemInstance {
  const resources = new CargoResources(cfg, ctx);
  const gate = cfg.passthrough ? new AccessGate(cfg.access_cache_for) : null;
  return {
    name,
    type: 'cargo',
    offlineMissStatus: 504,
    upstream: resources.origin,
    accessTarget: accessTargetOf(
      (req) => classify(req.segments, req.method),
      (r) => (r.kind === 'config' ? { instance: true } : { name: r.crate.toLowerCase() }),
    ),
    async handle(req) {
      try {
        const r = classify(req.segments, req.method);
        if (!gate) return decide(r, resources, req.baseUrl, undefined);
        const admitted = await admit(req, resources, gate);
        if ('kind' in admitted) return admitted;
        return decide(r, resources, req.baseUrl, admitted.client);
      } catch (err) {
        return { kind: 'response', response: cargoError(toTroveError(err)) };
      }
    },
    formatError: cargoError,
    browse: cargoBrowser,
    clientSetup: (baseUrl) =>
      [
        '# ~/.cargo/config.toml',
        '[source.crates-io]',
        'replace-with = "trove"',
        '[source.trove]',
        `registry = "sparse+${baseUrl}/"`,
      ].join('\n'),
  };
}

export const cargoEcosystem: EcosystemType<typeof cargoSchema> = {
  type: 'cargo',
  schema: cargoSchema,
  create: createCargoInstance,
};
