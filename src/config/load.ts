// Loads configuration: YAML file (or the embedded default), then env vars, then flags.
// Every error names the file, the key path and the reason.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { TroveError } from '../errors.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { defaultConfigObject } from './default-config.js';
import { buildSchema, type Config } from './schema.js';
import { withSecretEnv } from './types.js';

export interface Flags {
  listen?: string;
  port?: string;
  publicUrl?: string;
  cache?: string;
  maxSize?: string;
  offline?: boolean;
  logLevel?: string;
  workers?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** GOPROXY-style upstream list of the go instance at the root. */
  upstream?: string;
  proxy?: string;
  dns?: string;
}

/** The go command's variables and the keys of the go instance at `/` they set. */
const GO_ENV: ReadonlyArray<[string, string]> = [
  ['GOSUMDB', 'gosumdb'],
  ['GONOSUMDB', 'nosumdb'],
  ['GOPRIVATE', 'private'],
  ['GONOPROXY', 'noproxy'],
  ['GOINSECURE', 'insecure'],
];

/** Stands for the go instance that serves the root path, found when overrides are applied. */
const GO_ROOT = '<go instance at />';

export class ConfigError extends TroveError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('TROVE_ERR_CONFIG', problems.join('\n'));
    this.problems = problems;
  }
}

interface Override {
  path: string[];
  value: unknown;
  source: string;
}

const BOOL = /^(1|true|yes|on)$/i;

/** Env and flag overrides, lowest precedence first. */
function overrides(env: NodeJS.ProcessEnv, flags: Flags): Override[] {
  const out: Override[] = [];
  const add = (path: string[], value: unknown, source: string): void => {
    if (value !== undefined && value !== '') out.push({ path, value, source });
  };
  add(['server', 'listen'], env['TROVE_LISTEN'], 'env TROVE_LISTEN');
  add(['server', 'port'], env['PORT'], 'env PORT');
  add(['server', 'public_url'], env['TROVE_PUBLIC_URL'], 'env TROVE_PUBLIC_URL');
  add(['storage', 'dir'], env['CACHE_DIR'], 'env CACHE_DIR');
  add(['storage', 'dir'], env['TROVE_CACHE_DIR'], 'env TROVE_CACHE_DIR');
  add(['storage', 'max_size'], env['TROVE_MAX_SIZE'], 'env TROVE_MAX_SIZE');
  const offline = env['TROVE_OFFLINE'];
  add(['offline'], offline === undefined ? undefined : BOOL.test(offline), 'env TROVE_OFFLINE');
  add(['log', 'level'], env['TROVE_LOG_LEVEL'], 'env TROVE_LOG_LEVEL');
  add(['server', 'workers'], env['TROVE_WORKERS'], 'env TROVE_WORKERS');
  add(['metrics', 'token'], env['TROVE_METRICS_TOKEN'], 'env TROVE_METRICS_TOKEN');
  add(['access', 'htpasswd'], env['TROVE_HTPASSWD'], 'env TROVE_HTPASSWD');
  add(['access', 'anonymous'], env['TROVE_ANONYMOUS'], 'env TROVE_ANONYMOUS');
  add(['server', 'secret_key'], env['TROVE_SECRET_KEY'], 'env TROVE_SECRET_KEY');
  for (const key of ['cert', 'key', 'ca']) {
    const name = `TROVE_TLS_${key.toUpperCase()}`;
    add(['server', 'tls', key], env[name], `env ${name}`);
  }
  // Replicas: a shared PostgreSQL index and S3 bucket (credentials: the AWS SDK's own env).
  const indexUrl = env['TROVE_INDEX_URL'];
  add(['storage', 'index', 'driver'], indexUrl && 'postgres', 'env TROVE_INDEX_URL');
  add(['storage', 'index', 'url'], indexUrl, 'env TROVE_INDEX_URL');
  add(['storage', 'blobs', 'driver'], env['TROVE_S3_BUCKET'] && 's3', 'env TROVE_S3_BUCKET');
  for (const key of ['bucket', 'endpoint', 'region', 'prefix']) {
    const name = `TROVE_S3_${key.toUpperCase()}`;
    add(['storage', 'blobs', key], env[name], `env ${name}`);
  }
  for (const key of ['listen', 'advertise', 'token']) {
    const name = `TROVE_REPLICA_${key.toUpperCase()}`;
    add(['replicas', key], env[name], `env ${name}`);
  }
  const pathStyle = env['TROVE_S3_PATH_STYLE'];
  add(
    ['storage', 'blobs', 'path_style'],
    pathStyle === undefined ? undefined : BOOL.test(pathStyle),
    'env TROVE_S3_PATH_STYLE',
  );
  add(['instances', GO_ROOT, 'upstreams'], env['UPSTREAM_PROXY'], 'env UPSTREAM_PROXY');
  // The go command's own variables, for the go instance at the root.
  for (const [name, key] of GO_ENV) add(['instances', GO_ROOT, key], env[name], `env ${name}`);
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) {
    add(['upstream', 'proxy', name.slice(0, -6).toLowerCase()], env[name], `env ${name}`);
  }
  add(['upstream', 'proxy'], env['SOCKS5_PROXY'], 'env SOCKS5_PROXY');
  add(['upstream', 'no_proxy'], env['no_proxy'], 'env no_proxy');
  add(['upstream', 'no_proxy'], env['NO_PROXY'], 'env NO_PROXY');
  add(['upstream', 'dns'], env['DNS_SERVER'], 'env DNS_SERVER');
  add(['server', 'listen'], flags.listen, 'flag --listen');
  add(['server', 'port'], flags.port, 'flag --port');
  add(['server', 'public_url'], flags.publicUrl, 'flag --public-url');
  add(['storage', 'dir'], flags.cache, 'flag --cache');
  add(['storage', 'max_size'], flags.maxSize, 'flag --max-size');
  add(['offline'], flags.offline, 'flag --offline');
  add(['log', 'level'], flags.logLevel, 'flag --log-level');
  add(['server', 'workers'], flags.workers, 'flag --workers');
  add(['server', 'tls', 'cert'], flags.tlsCert, 'flag --tls-cert');
  add(['server', 'tls', 'key'], flags.tlsKey, 'flag --tls-key');
  add(['instances', GO_ROOT, 'upstreams'], flags.upstream, 'flag --upstream');
  add(['upstream', 'proxy'], flags.proxy, 'flag --proxy');
  add(['upstream', 'dns'], flags.dns, 'flag --dns');
  return out;
}

function setPath(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** The name of the go instance serving `/` (explicit `path`, or the go default of /<name> and /). */
function goRootInstance(raw: Record<string, unknown>): string | undefined {
  const instances = raw['instances'];
  if (typeof instances !== 'object' || instances === null) return undefined;
  return Object.entries(instances as Record<string, unknown>).find(([, v]) => {
    const inst = v as { type?: unknown; path?: unknown } | null;
    if (inst?.type !== 'go') return false;
    const paths = inst.path === undefined ? ['/'] : [inst.path].flat();
    return paths.some((p) => typeof p === 'string' && p.replace(/\/+$/, '') === '');
  })?.[0];
}

/** A port override keeps the configured host. */
function applyPort(raw: Record<string, unknown>, port: unknown): void {
  const server = (raw['server'] ?? {}) as Record<string, unknown>;
  const listen = server['listen'];
  const host =
    typeof listen === 'string' && listen.includes(':')
      ? listen.slice(0, listen.lastIndexOf(':'))
      : '0.0.0.0';
  setPath(raw, ['server', 'listen'], `${host}:${String(port)}`);
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    '',
  );
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const why = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${why}`;
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError([
      `${file}: invalid YAML: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw new ConfigError([`${file}: the top level must be a mapping`]);
  }
  return value as Record<string, unknown>;
}

export interface Loaded {
  config: Config;
  /** The file read, or "(embedded default)". */
  source: string;
}

export function loadConfig(
  registry: EcosystemRegistry,
  opts: { file?: string | undefined; env?: NodeJS.ProcessEnv; flags?: Flags } = {},
): Loaded {
  const env = opts.env ?? process.env;
  const file = opts.file ?? (env['TROVE_CONFIG'] || undefined);
  const source = file ?? '(embedded default)';
  const raw = file ? readYaml(file) : defaultConfigObject();
  const sources = new Map<string, string>();
  for (const o of overrides(env, opts.flags ?? {})) {
    if (o.path[1] === GO_ROOT) {
      const name = goRootInstance(raw);
      if (!name)
        throw new ConfigError([`${source}: ${o.source}: no go instance serves the root path`]);
      o.path[1] = name;
    }
    if (o.path[1] === 'port') {
      applyPort(raw, o.value);
      sources.set('server.listen', o.source);
    } else {
      setPath(raw, o.path, o.value);
      sources.set(o.path.join('.'), o.source);
    }
  }
  const result = withSecretEnv(env, () => buildSchema(registry).safeParse(raw));
  if (!result.success) throw new ConfigError(describe(result.error, source, sources));
  return { config: result.data, source };
}

const missing = (e: z.ZodError): boolean =>
  e.issues.every((i) => i.code === 'invalid_type' && i.received === 'undefined');

function describe(error: z.ZodError, source: string, sources: Map<string, string>): string[] {
  return error.issues.map((issue) => {
    const key = formatPath(issue.path) || '(top level)';
    const by = sources.get(key);
    let why = issue.message;
    if (issue.code === 'unrecognized_keys')
      why = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && issue.received === 'undefined') why = 'is required';
    // A union (a secret: inline, env or file) whose every form missed only for want of a value.
    if (issue.code === 'invalid_union' && issue.unionErrors.every(missing)) why = 'is required';
    return `${source}: ${key}: ${why}${by ? ` (set by ${by})` : ''}`;
  });
}
