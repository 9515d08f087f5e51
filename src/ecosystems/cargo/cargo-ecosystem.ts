// The `cargo` ecosystem: a pull-through mirror of a Cargo sparse registry (crates.io's
// index.crates.io by default). config.json rewritten so downloads come through Trove, index
// files revalidated with ETags (cargo's conditional requests get 304s), and crates verified
// against the index's cksum before they are kept.
import { toTroveError } from '../../errors.js';
import type { Decision, EcosystemInstance, EcosystemType, InstanceContext } from '../ecosystem.js';
import { retryableStatus, textError } from '../common/responses.js';
import type { TroveError } from '../../errors.js';
import { cargoSchema, type CargoConfig } from './cargo-config.js';
import { classify, type CargoRequest } from './cargo-request.js';
import { CargoResources } from './cargo-resources.js';

function cargoError(err: TroveError) {
  return textError(err, retryableStatus(err));
}

function decide(r: CargoRequest, res: CargoResources, baseUrl: string): Decision {
  switch (r.kind) {
    case 'config':
      return { kind: 'resource', resource: res.config(baseUrl) };
    case 'index':
      return { kind: 'resource', resource: res.index(r.crate) };
    case 'download':
      return { kind: 'resource', resource: res.download(r.crate, r.version) };
  }
}

function createCargoInstance(
  name: string,
  cfg: CargoConfig,
  ctx: InstanceContext,
): EcosystemInstance {
  const resources = new CargoResources(cfg, ctx);
  return {
    name,
    type: 'cargo',
    offlineMissStatus: 504,
    upstream: resources.origin,
    handle(req) {
      try {
        return decide(classify(req.segments, req.method), resources, req.baseUrl);
      } catch (err) {
        return { kind: 'response', response: cargoError(toTroveError(err)) };
      }
    },
    formatError: cargoError,
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
