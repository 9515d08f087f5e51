#!/usr/bin/env node
// trove: serve | validate | stats | gc | verify | default-config
import { newToken, tokenHash } from '../access/static-tokens.js';
import { Command, Option } from 'commander';
import { defaultRegistry } from '../ecosystems/registry.js';
import { isTroveError } from '../errors.js';
import { runGc, runStats } from './maintenance.js';
import { runServe, runValidate, type CommonOptions } from './serve.js';
import { runHealth } from './health.js';
import { runPrefetch, type PrefetchFlags } from './prefetch.js';
import { runVerify } from './verify.js';
import { defaultConfigYaml } from '../config/default-config.js';

const program = new Command()
  .name('trove')
  .description('A caching proxy for package registries')
  .showHelpAfterError();

function withConfig(cmd: Command): Command {
  return cmd
    .option(
      '-c, --config <file>',
      'YAML configuration file (default: $TROVE_CONFIG, else the embedded default)',
    )
    .option('--listen <addr>', 'main listener, host:port')
    .addOption(new Option('-p, --port <port>', 'main listener port (keeps the configured host)'))
    .option('--public-url <url>', 'public base URL of the main listener')
    .option('--cache <dir>', 'storage directory')
    .option('--max-size <size>', 'storage size limit, e.g. 20GiB')
    .option('--offline', 'never contact upstreams')
    .option('--log-level <level>', 'trace | debug | info | warn | error | silent')
    .option('--workers <n>', 'worker processes: auto (one per core) or a number; 1 = one process')
    .option('--tls-cert <file>', 'serve HTTPS and HTTP/2 with this certificate chain (PEM)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--upstream <goproxy>', 'upstreams of the go instance at /, e.g. https://a,https://b')
    .option('--proxy <url>', 'outbound proxy: http://, https://, socks5:// or socks5h://')
    .option('--dns <server>', 'DNS server: 8.8.8.8, udp://…, tls://… (DoT), https://… (DoH)');
}

/** The Go proxy tradition spells long flags with one dash (-port 8080): accept those too. */
const GO_STYLE = new Set(['port', 'cache', 'upstream', 'proxy', 'dns', 'config', 'listen']);
function goStyleFlags(argv: string[]): string[] {
  return argv.map((a, i) => {
    const m = /^-([a-z]+)(=.*)?$/.exec(a);
    return i >= 2 && m && GO_STYLE.has(m[1] as string) ? `-${a}` : a;
  });
}

const registry = defaultRegistry();
withConfig(program.command('serve', { isDefault: true }).description('run the proxy')).action(
  (opts: CommonOptions) => runServe(registry, opts),
);
withConfig(program.command('validate').description('check the configuration and exit')).action(
  (opts: CommonOptions) => runValidate(registry, opts),
);
withConfig(program.command('stats').description('objects, bytes and hit ratio per instance'))
  .option('--json', 'print JSON')
  .action((opts: CommonOptions & { json?: boolean }) => runStats(registry, opts));
withConfig(program.command('gc').description('expire entries and delete unreferenced blobs'))
  .option('--grace <duration>', 'spare blobs younger than this', '1h')
  .action((opts: CommonOptions & { grace: string }) => runGc(registry, opts));
withConfig(program.command('verify').description('check the index and re-hash every cached blob'))
  .option('--repair', 'drop damaged or missing blobs and their entries (they refetch on demand)')
  .option('--rate <size>', 'bytes read per second at most, e.g. 100MiB (default: no limit)')
  .action((opts: CommonOptions & { repair?: boolean; rate?: string }) => runVerify(registry, opts));
withConfig(
  program
    .command('health')
    .description('ask the running Trove of this configuration if it is alive'),
)
  .option('--ready', 'ask /ready (every part serving needs) instead of /health')
  .option('--url <url>', 'base URL to ask, instead of the configured listener')
  .action((opts: CommonOptions & { ready?: boolean; url?: string }) => runHealth(registry, opts));
const collect = (v: string, prev: string[]): string[] => [...prev, v];
program
  .command('prefetch')
  .description(
    'warm a running Trove with what lockfiles, SBOMs or lists name, as clients would fetch it',
  )
  .argument(
    '<files...>',
    'go.sum, go.mod, package-lock.json, pnpm-lock.yaml, yarn.lock, requirements.txt, Cargo.lock, image lists, PURL lists, CycloneDX or SPDX SBOMs',
  )
  .option(
    '--url <url>',
    'the Trove to warm (user:password@ for Basic credentials; default $TROVE_URL, else http://127.0.0.1:12345)',
  )
  .option(
    '--token <token>',
    'a bearer token for a Trove with access control (default $TROVE_TOKEN)',
  )
  .option('--format <format>', "the files' format, when their names do not say it")
  .option('--concurrency <n>', 'items warmed at once', '8')
  .option('--retries <n>', 'retries of a request that failed with a 5xx, a 429 or a reset', '3')
  .option('--instance <eco=name>', 'the instance to use for an ecosystem (repeatable)', collect, [])
  .option(
    '--platform <os/arch>',
    'image platforms to warm (repeatable; all for every one)',
    collect,
    [],
  )
  .option('--json', 'one JSON object per item, then a summary')
  .action((files: string[], f: PrefetchFlags) => runPrefetch(files, f));
program
  .command('token')
  .description('make a static access token and print its config entry (only its hash is kept)')
  .argument('<name>', 'the subject the token stands for')
  .action((name: string) => {
    const token = newToken();
    process.stdout.write(
      `token (shown once; give it to the client): ${token}\n` +
        `# under access.tokens:\n- name: ${JSON.stringify(name)}\n  sha256: ${tokenHash(token)}\n`,
    );
  });
program
  .command('default-config')
  .description('print the embedded default configuration')
  .action(() => {
    process.stdout.write(defaultConfigYaml());
  });

program.parseAsync(goStyleFlags(process.argv)).catch((err: unknown) => {
  if (isTroveError(err)) {
    process.stderr.write(`trove: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `trove: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
