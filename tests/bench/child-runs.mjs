// The driver the in-sandbox benchmarks share (tick_journal.mjs, tick_cold.mjs): each run is the
// benchmark file again in a child process, with a fresh browser and sandbox, loading the build
// named by EXTENSION_DIR; with BENCH_COMPARE=<another build's dist/sandbox> the runs alternate
// between this build and that one. A child prints one `RESULT <json>` line.
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The lower median of `xs` (one of the samples). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

/** `min–max` of `xs`, with `digits` decimals. */
export const range = (xs, digits = 1) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(digits)}–${s[s.length - 1].toFixed(digits)}`;
};

/** In the child: runs `one` and prints its result (exit 1 when it fails). */
export function child(one) {
  one().then((r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * In the parent: `runs` runs of `file` for each build, alternating; `report(name, i, result)`
 * prints each. Exits 1 when a run fails.
 * @returns {Map<string, any[]>} each build's results, by its name ('this build', 'compared')
 */
export function runBuilds(file, runs, report) {
  const builds = [['this build', join(ROOT, 'dist', 'sandbox')]];
  if (process.env.BENCH_COMPARE) builds.push(['compared', process.env.BENCH_COMPARE]);
  const results = new Map(builds.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i += 1) {
    for (const [name, dir] of builds) {
      const out = spawnSync(process.execPath, [file, ...process.argv.slice(2)], {
        env: { ...process.env, BENCH_CHILD: '1', EXTENSION_DIR: dir },
        encoding: 'utf8',
      });
      const line = (out.stdout || '').split('\n').find((l) => l.startsWith('RESULT '));
      if (out.status !== 0 || !line) {
        console.error(`${name}, run ${i + 1} failed:\n${out.stdout}\n${out.stderr}`);
        process.exit(1);
      }
      const r = JSON.parse(line.slice(7));
      results.get(name).push(r);
      report(name, i, r);
    }
  }
  return results;
}
