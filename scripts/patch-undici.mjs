// Runs after `npm install`: applies to undici 6 the fix undici 8 has for its issue 5360 (pull
// request 5474). When an upstream closes the connection while the consumer of a body is behind,
// the paused HTTP/1 parser used to hit `assert(!this.paused)` in a socket 'end' handler, an
// uncatchable exception that ends the process. undici 8 needs Node 22; Trove runs on Node 20.
// The fix: resume the paused parser and run what is buffered through it before finishing.
// test/upstream/undici-paused-end.test.ts checks it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let file;
try {
  file = join(dirname(require.resolve('undici/package.json')), 'lib', 'dispatcher', 'client-h1.js');
} catch {
  process.exit(0); // not installed (yet): nothing to patch
}
const MARK = '// trove: undici#5360';
const BEFORE = `    assert(this.ptr != null)
    assert(!this.paused)

    const { llhttp } = this

    let ret
`;
const AFTER = `    assert(this.ptr != null)

    const { llhttp } = this

    ${MARK}: the peer closed while backpressure paused the parser. Every byte is
    // here: resume, run what the socket still holds, then let llhttp_finish() end an
    // EOF-delimited body (a Content-Length or chunked one completes in execute()).
    if (this.paused) {
      let data
      do {
        llhttp.llhttp_resume(this.ptr)
        this.paused = false
        data = this.socket.read() || EMPTY_BUF
        this.execute(data)
      } while (this.paused && data.length > 0 && this.ptr != null)
      if (this.ptr == null) {
        return null
      }
      if (this.paused) {
        llhttp.llhttp_resume(this.ptr)
        this.paused = false
      }
    }

    let ret
`;

const source = readFileSync(file, 'utf8');
if (source.includes(MARK)) process.exit(0);
const at = source.indexOf('  finish () {');
const finish = at === -1 ? '' : source.slice(at, source.indexOf('\n  }\n', at));
if (!finish.includes('assert(!this.paused)')) process.exit(0); // fixed upstream
if (!source.slice(at).startsWith(`  finish () {\n    assert(currentParser === null)\n${BEFORE}`)) {
  console.error(
    `patch-undici: ${file} is not the source this patch knows; undici#5360 stays unfixed`,
  );
  process.exit(1);
}
writeFileSync(file, source.slice(0, at) + source.slice(at).replace(BEFORE, AFTER));
console.log('patch-undici: applied the fix for undici#5360');
