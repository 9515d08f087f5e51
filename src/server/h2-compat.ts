// HTTP/2 requests down the HTTP/1.1 request path. Node's compatibility layer gives the same
// request and response API; two differences are bridged here: the host comes from
// `:authority`, and the connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2) are
// dropped from responses instead of throwing.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

function allowed(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  let out: OutgoingHttpHeaders | null = null;
  for (const name of Object.keys(headers)) {
    if (!CONNECTION_HEADERS.has(name.toLowerCase())) continue;
    out ??= { ...headers };
    delete out[name];
  }
  return out ?? headers;
}

/** The request and response as the HTTP/1.1 path takes them. */
export function fromHttp2(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
): { req: IncomingMessage; res: ServerResponse } {
  const authority = req.headers[':authority'];
  if (req.headers.host === undefined && authority !== undefined) req.headers.host = authority;
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name: string, value: number | string | readonly string[]) =>
    CONNECTION_HEADERS.has(name.toLowerCase()) ? res : setHeader(name, value);
  const writeHead = res.writeHead.bind(res) as (s: number, h?: OutgoingHttpHeaders) => unknown;
  res.writeHead = ((status: number, a?: unknown, b?: unknown) => {
    // writeHead(status[, reason][, headers]); HTTP/2 has no reason phrase.
    const headers = (typeof a === 'string' ? b : a) as OutgoingHttpHeaders | undefined;
    return writeHead(status, headers && !Array.isArray(headers) ? allowed(headers) : headers);
  }) as typeof res.writeHead;
  return { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse };
}

/** An HTTP/2 request whose Host header names another authority than `:authority`. */
export function authorityConflict(req: IncomingMessage): boolean {
  const authority = req.headers[':authority'];
  return (
    typeof authority === 'string' && req.headers.host?.toLowerCase() !== authority.toLowerCase()
  );
}
