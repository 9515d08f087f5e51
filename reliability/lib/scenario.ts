// What every scenario returns: one summary line of figures, and whether its invariants held.
export interface Outcome {
  name: string;
  line: string;
  ok: boolean;
  /** What broke an invariant, when one did. */
  failures: string[];
}

export interface Settings {
  /** Smaller counts and shorter durations (REL_QUICK=1). */
  quick: boolean;
  /** A scratch directory of the scenario's own. */
  dir: string;
}

export type Scenario = (s: Settings) => Promise<Outcome>;

/** Runs `worker` on `n` parallel lanes until `stop()` is true; each lane loops. */
export async function lanes(
  n: number,
  stop: () => boolean,
  worker: (lane: number) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async (_, lane) => {
      while (!stop()) await worker(lane);
    }),
  );
}

export const fmt = (n: number): string => n.toLocaleString('en-US');
