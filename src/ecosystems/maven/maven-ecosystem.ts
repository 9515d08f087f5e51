// The `maven` ecosystem: a pull-through Maven repository for mvn and Gradle. Release artifacts
// immutable and verified against the repository's checksums; SNAPSHOTs and maven-metadata.xml
// revalidated; checksum sidecars always consistent with what Trove serves; and never a 404 for
// trouble, since Maven remembers a 404 in ~/.m2 (`*.lastUpdated`) and stops asking.
import { toTroveError, type TroveError } from '../../errors.js';
import { mavenBrowser } from './maven-browse.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemType,
  InstanceContext,
  SyntheticResponse,
} from '../ecosystem.js';
import { retryableStatus, textError } from '../common/responses.js';
import { mavenSchema, type MavenConfig } from './maven-config.js';
import { classify, coordinates, type MavenRequest } from './maven-request.js';
import { accessTargetOf } from '../common/access-target.js';
import { MavenResources } from './maven-resources.js';

function mavenError(err: TroveError): SyntheticResponse {
  return textError(err, retryableStatus(err));
}

async function decide(r: MavenRequest, res: MavenResources): Promise<Decision> {
  switch (r.kind) {
    case 'metadata':
      return { kind: 'resource', resource: res.metadata(r.segments) };
    case 'metadata-sum':
      return { kind: 'response', response: await res.metadataSum(r.segments, r.algorithm) };
    case 'file':
      return { kind: 'resource', resource: res.file(r.segments, r.snapshot) };
    case 'sidecar':
      return { kind: 'resource', resource: res.sidecar(r.segments, r.algorithm, r.snapshot) };
  }
}

function createMavenInstance(
  name: string,
  cfg: MavenConfig,
  ctx: InstanceContext,
): EcosystemInstance {
  const resources = new MavenResources(cfg, ctx);
  return {
    name,
    type: 'maven',
    offlineMissStatus: 504,
    upstream: resources.origin,
    accessTarget: accessTargetOf(
      (req) => coordinates(classify(req.segments, req.method)),
      (name) => (name === null ? { instance: true } : { name }),
    ),
    async handle(req) {
      try {
        return await decide(classify(req.segments, req.method), resources);
      } catch (err) {
        return { kind: 'response', response: mavenError(toTroveError(err)) };
      }
    },
    formatError: mavenError,
    browse: mavenBrowser,
    clientSetup: (baseUrl) =>
      [
        '<!-- ~/.m2/settings.xml -->',
        '<settings><mirrors><mirror>',
        `  <id>trove</id><mirrorOf>*</mirrorOf><url>${baseUrl}/</url>`,
        '</mirror></mirrors></settings>',
      ].join('\n'),
  };
}

export const mavenEcosystem: EcosystemType<typeof mavenSchema> = {
  type: 'maven',
  schema: mavenSchema,
  create: createMavenInstance,
};
