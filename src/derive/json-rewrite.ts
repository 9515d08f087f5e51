// JSON documents rewritten in place as they stream: chosen members are replaced (a URL pointing
// at Trove), everything else leaves exactly as it came in.
import type { Transform } from './derived-origin.js';
import { JsonScanner, type Member, type ScanRules } from './json-scan.js';
import { Splicer } from './splicer.js';

export function jsonRewrite(
  emit: (b: Buffer) => void,
  rules: Omit<ScanRules, 'onMember'>,
  /** The new bytes of a captured member, or null to keep it. */
  replace: (m: Member & { raw: Buffer }) => Buffer | null,
): Transform {
  const splicer = new Splicer(emit);
  const scanner = new JsonScanner({
    ...rules,
    onMember(m) {
      if (!m.raw) return;
      const to = replace(m as Member & { raw: Buffer });
      if (to) splicer.replace(m.start, m.end, to);
    },
  });
  return {
    write(chunk) {
      splicer.add(chunk);
      scanner.push(chunk);
      splicer.flush(scanner.settledBefore);
    },
    end() {
      scanner.end();
      splicer.flush(Number.POSITIVE_INFINITY);
    },
  };
}
