// Synthetic answers in the GOPROXY protocol's format: text/plain bodies the go command shows.
import type { Decision } from '../ecosystem.js';

export function textResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Decision {
  return {
    kind: 'response',
    response: {
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      body: message === '' ? '' : `${message}\n`,
    },
  };
}
