// The `pypi` ecosystem: a pull-through mirror for pip and uv. Simple index pages in HTML or
// JSON (chosen by Accept q-values or `?format=`, `Vary: Accept`) whatever form the index
// serves, files and core metadata verified against the page's hashes on ingest, extra indexes
// that own the projects named for them, and PyPI's JSON API with file URLs pointing at Trove.
import type { IncomingHttpHeaders } from 'node:http';
import { pypiBrowser } from './pypi-browse.js';
import { TroveError, toTroveError } from '../../errors.js';
import type { AccessTarget } from '../../access/rules.js';
import { accessTargetOf } from '../common/access-target.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceContext,
  SyntheticResponse,
} from '../ecosystem.js';
import { acceptsGzip, negotiate } from '../common/accept.js';
import { retryableStatus, textError } from '../common/responses.js';
import { pypiSchema, type PypiConfig } from './pypi-config.js';
import { classify, type PypiRequest } from './pypi-request.js';
import { MEDIA, PypiResources, type Media } from './pypi-resources.js';

/** Offers in order of preference on ties (any media type gets HTML, as PyPI answers it). */
const OFFERS = Object.keys(MEDIA);

function pypiError(err: TroveError): SyntheticResponse {
  return textError(err, retryableStatus(err));
}

function mediaFor(query: string, accept: string | undefined): Media {
  const format = new URLSearchParams(query).get('format');
  if (format !== null) {
    const m = MEDIA[format as keyof typeof MEDIA];
    if (!m) {
      throw new TroveError('TROVE_ERR_BAD_REQUEST', `unknown format ${JSON.stringify(format)}`, {
        status: 406,
      });
    }
    return m;
  }
  const chosen = negotiate(accept, OFFERS);
  if (chosen === null) {
    throw new TroveError(
      'TROVE_ERR_BAD_REQUEST',
      `none of the simple API's media types is acceptable (${OFFERS.join(', ')})`,
      { status: 406 },
    );
  }
  return MEDIA[chosen as keyof typeof MEDIA];
}

/** pip's `Cache-Control: max-age=0`, when the instance is told to honour it. */
function wantsCurrent(cfg: PypiConfig, h: IncomingHttpHeaders): boolean {
  if (cfg.client_revalidation !== 'honor') return false;
  const cc = h['cache-control'] ?? '';
  return /(?:^|,)\s*(?:no-cache|max-age\s*=\s*0)\s*(?:,|$)/i.test(cc);
}

function decide(
  r: PypiRequest,
  res: PypiResources,
  cfg: PypiConfig,
  req: EcosystemRequest,
): Decision {
  switch (r.kind) {
    case 'redirect': {
      const location = `${req.baseUrl}/${r.path}${req.query ? `?${req.query}` : ''}`;
      return {
        kind: 'response',
        response: { status: 301, headers: { location }, body: '' },
      };
    }
    case 'root':
    case 'page': {
      const media = mediaFor(req.query, req.headers.accept);
      const project = r.kind === 'page' ? r.project : null;
      const gzip = acceptsGzip(req.headers['accept-encoding']);
      return {
        kind: 'resource',
        resource: res.page(project, media, gzip, wantsCurrent(cfg, req.headers)),
        headers: { vary: 'Accept, Accept-Encoding' },
      };
    }
    case 'file':
      return { kind: 'resource', resource: res.file(r.project, r.sha256, r.filename, r.metadata) };
    case 'json-api':
      return {
        kind: 'resource',
        resource: res.api(r.project, r.version, req.baseUrl, wantsCurrent(cfg, req.headers)),
      };
  }
}

function createPypiInstance(
  name: string,
  cfg: PypiConfig,
  ctx: InstanceContext,
): EcosystemInstance {
  const resources = new PypiResources(cfg, ctx);
  return {
    name,
    type: 'pypi',
    offlineMissStatus: 504,
    upstream: resources.defaultOrigin,
    accessTarget: accessTargetOf(
      (req) => classify(req.segments, req.method),
      (r): AccessTarget =>
        r.kind === 'root'
          ? { listing: true }
          : 'project' in r
            ? { name: r.project }
            : { instance: true },
    ),
    handle(req) {
      try {
        return decide(classify(req.segments, req.method), resources, cfg, req);
      } catch (err) {
        return { kind: 'response', response: pypiError(toTroveError(err)) };
      }
    },
    formatError: pypiError,
    browse: pypiBrowser,
    clientSetup: (baseUrl) => {
      // pip wants plain-HTTP hosts named as trusted (the base comes from the Host header as
      // sent, so it is read as text, not parsed as a URL).
      const plain = /^http:\/\/(\[[^\]]*\]|[^:/]*)/.exec(baseUrl);
      return [
        `pip config set global.index-url ${baseUrl}/simple/`,
        ...(plain ? [`pip config set global.trusted-host ${plain[1] ?? ''}`] : []),
        `export UV_DEFAULT_INDEX=${baseUrl}/simple/   # uv`,
      ].join('\n');
    },
  };
}

export const pypiEcosystem: EcosystemType<typeof pypiSchema> = {
  type: 'pypi',
  schema: pypiSchema,
  create: createPypiInstance,
};
