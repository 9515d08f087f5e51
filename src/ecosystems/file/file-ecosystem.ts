// The generic `file` ecosystem: any static HTTP tree (release downloads, mirrors, artifacts).
// Keys are the decoded path (plus the query when configured); policy comes from glob rules.
import { z } from 'zod';
import { instanceBase, size, upstreamEntry } from '../../config/types.js';
import type { EcosystemInstance, EcosystemType, InstanceCommon } from '../ecosystem.js';
import { policyConfig, policyResolver } from '../common/policy.js';
import { textError } from '../common/responses.js';
import { encodeSegment } from '../common/url.js';
import { TroveError } from '../../errors.js';

const DEFAULT_KEEP = ['content-type', 'content-disposition', 'content-language'];

const schema = z
  .object({
    type: z.literal('file'),
    ...instanceBase,
    upstreams: z.array(upstreamEntry).min(1, 'needs at least one upstream'),
    pass_headers: z
      .array(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'))
      .default(DEFAULT_KEEP)
      .transform((h) => h.map((x) => x.toLowerCase())),
    include_query: z.boolean().default(false),
    max_object_size: size.optional(),
    ...policyConfig,
  })
  .strict();

type FileConfig = z.output<typeof schema> & InstanceCommon;

function normalizeQuery(query: string): string {
  const params = new URLSearchParams(query);
  params.sort();
  return params.toString();
}

function createFileInstance(name: string, cfg: FileConfig): EcosystemInstance {
  const policies = policyResolver(cfg);
  return {
    name,
    type: 'file',
    offlineMissStatus: 504,
    accessTarget: (req) => ({ name: req.path }),
    handle(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const err = new TroveError(
          'TROVE_ERR_METHOD',
          `${req.method} is not supported by a read-only cache`,
        );
        return { kind: 'response', response: textError(err) };
      }
      const query = cfg.include_query && req.query ? `?${normalizeQuery(req.query)}` : '';
      const cls = policies.classFor(req.path) ?? 'artifact';
      const segments = req.segments;
      return {
        kind: 'resource',
        resource: {
          key: `${req.path}${query}`,
          class: cls,
          policy: policies.resolve(cls, req.path),
          // Without include_query the query is neither keyed nor forwarded, so variants cannot
          // mix. Built only when a fill needs it, not on every hit.
          get upstreamPath() {
            return segments.map(encodeSegment).join('/') + query;
          },
          keepHeaders: cfg.pass_headers,
          ...(cfg.max_object_size !== undefined ? { maxSize: cfg.max_object_size } : {}),
        },
      };
    },
    formatError: textError,
    clientSetup: (baseUrl) => `curl -fLO ${baseUrl}/path/to/file`,
  };
}

export const fileEcosystem: EcosystemType<typeof schema> = {
  type: 'file',
  schema,
  create: createFileInstance,
};
