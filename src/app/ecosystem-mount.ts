// Adapts an ecosystem instance to the server's Mount: classify the request, then let the engine
// serve the resource, or write the synthetic answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathBrowser } from '../ui/entry-browser.js';
import type { Engine, Scope } from '../engine/engine.js';
import type {
  EcosystemInstance,
  EcosystemRequest,
  SyntheticResponse,
} from '../ecosystems/ecosystem.js';
import type { InstanceGate } from '../access/instance-gate.js';
import { fetchDeniedError, withoutFetch } from '../engine/fetch-guard.js';
import { admit } from './admit.js';
import type { TroveError } from '../errors.js';
import type { HandledRequest, Mount } from '../server/mount.js';
import type { Origin } from '../upstream/upstream-pool.js';
import { forward } from './forward.js';

export function writeSynthetic(res: ServerResponse, r: SyntheticResponse, head = false): number {
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length) });
  res.end(head ? undefined : body);
  return head ? 0 : body.length;
}

export interface MountSpec {
  name: string;
  prefix: string;
  hosts: string[];
  instance: EcosystemInstance;
  scope: Scope;
  /** The instance's access gate, when access control is on. */
  gate?: InstanceGate | undefined;
}

/** The engine's view of an instance: its upstreams, offline mode and error format. */
export function instanceScope(
  name: string,
  instance: EcosystemInstance,
  upstream: Origin,
  offline: boolean,
): Scope {
  return {
    instance: name,
    ecosystem: instance.type,
    upstream,
    offline,
    offlineMissStatus: instance.offlineMissStatus,
    sendError: (res: ServerResponse, err: TroveError): void => {
      writeSynthetic(res, instance.formatError(err));
    },
  };
}

export function ecosystemMount(spec: MountSpec, engine: Engine): Mount {
  const { instance, scope } = spec;
  const sendError = scope.sendError;
  const mount: Mount = {
    name: spec.name,
    type: instance.type,
    prefix: spec.prefix,
    hosts: spec.hosts,
    sendError,
    encodedSlashes: instance.encodedSlashes === true,
    clientSetup: (base) => instance.clientSetup(base),
    browse: instance.browse ?? pathBrowser,
    async handle(req, res, ctx) {
      const ereq: EcosystemRequest = {
        method: req.method ?? 'GET',
        path: ctx.path,
        segments: ctx.segments,
        query: ctx.query,
        headers: req.headers,
        prefix: spec.prefix,
        client: {
          address: req.socket.remoteAddress ?? '',
          connection: `${req.socket.remoteAddress ?? ''} ${req.socket.remotePort ?? 0}`,
        },
        get baseUrl() {
          return ctx.baseUrl;
        },
      };
      if (!spec.gate) return serve(ereq, req, res);
      const admitted = await admit(spec.gate, instance, ereq, ctx.client);
      if (!admitted.ok) {
        const bytes = writeSynthetic(res, admitted.response, req.method === 'HEAD');
        return { result: 'DENIED', bytes };
      }
      ereq.access = admitted.access;
      if (admitted.fetch) return serve(ereq, req, res);
      return withoutFetch(admitted.refusedFetch, () => serve(ereq, req, res, true));
    },
  };
  return mount;

  async function serve(
    ereq: EcosystemRequest,
    req: IncomingMessage,
    res: ServerResponse,
    cachedOnly = false,
  ): Promise<HandledRequest> {
    const decision = await instance.handle(ereq);
    if (decision.kind === 'forward' && cachedOnly) {
      return {
        result: 'DENIED',
        bytes: writeSynthetic(res, instance.formatError(fetchDeniedError())),
      };
    }
    if (decision.kind === 'forward') return forward(req, res, decision.forward, sendError);
    if (decision.kind === 'response') {
      return {
        result: 'SYNTHETIC',
        bytes: writeSynthetic(res, decision.response, req.method === 'HEAD'),
      };
    }
    // Kept by writeHead, whichever answer the engine writes.
    for (const [k, v] of Object.entries(decision.headers ?? {})) res.setHeader(k, v);
    const format = decision.formatError;
    const own = format
      ? {
          ...scope,
          sendError: (r: ServerResponse, e: TroveError) => writeSynthetic(r, format(e)),
        }
      : scope;
    const out = await engine.serve(req, res, decision.resource, own);
    return { result: out.result, bytes: out.bytes };
  }
}
