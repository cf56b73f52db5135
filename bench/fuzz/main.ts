// `npm run fuzz [-- --frames 100000 --seed 1 --sockets 4 --json]`: attacks a hub with hostile
// frames while an honest link writes beside them, and prints what broke (see README, Security).
import { runFuzz, type FuzzReport } from './run-fuzz.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const number = (name: string, fallback: number): number => {
  const text = flag(name);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative integer (got ${text})\n`);
    process.exit(2);
  }
  return value;
};

const json = args.includes('--json');
const report = await runFuzz({
  frames: number('frames', 100_000),
  seed: number('seed', 1),
  sockets: number('sockets', 4) || 1,
  progress: json ? undefined : (line) => process.stderr.write(`${line}\n`),
});

if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
else printReport(report);
process.exit(failed(report) ? 1 : 0);

/** True when the run found a defect. */
function failed(r: FuzzReport): boolean {
  return (
    r.hubCrashes +
      r.honest.lost +
      r.honest.refused +
      r.honest.mismatches +
      r.honest.internalErrors +
      r.internalAnswers +
      r.hubErrorLogs +
      r.idThefts +
      r.stalls >
    0
  );
}

function printReport(r: FuzzReport): void {
  const line = (label: string, value: number | string, bad = false) =>
    console.log(`${label.padEnd(34)} ${value}${bad && value !== 0 ? '   <-- defect' : ''}`);
  console.log(
    `varspace fuzz, seed ${r.seed}: ${(r.durationMs / 1000).toFixed(1)} s (${(r.hostileMs / 1000).toFixed(1)} s of hostile frames)`,
  );
  line('hostile frames sent', r.framesSent);
  line('hub crashes', r.hubCrashes, true);
  line('honest writes acked', r.honest.acked);
  line('honest writes acked and lost', r.honest.lost, true);
  line('honest writes refused', r.honest.refused, true);
  line('state mismatches', r.honest.mismatches, true);
  line('VS_INTERNAL answers', r.internalAnswers, true);
  line('hub error logs / stack traces', r.hubErrorLogs, true);
  line('internal errors (links)', r.honest.internalErrors, true);
  line('instance ids stolen by resume', r.idThefts, true);
  line('stalled sockets', r.stalls, true);
  console.log(
    `err codes: ${Object.entries(r.errCodes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(
    `closes: ${Object.entries(r.closes)
      .sort()
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}`,
  );
  for (const [title, list] of [
    ['internal errors', r.examples.internal],
    ['id thefts', r.examples.thefts],
    ['crash', r.examples.crash],
  ] as const) {
    if (list.length === 0) continue;
    console.log(`\n${title} (first ${list.length}):`);
    for (const e of list) console.log(`- ${e.kind}\n    frame:  ${e.frame}\n    answer: ${e.answer}`);
  }
  if (r.honest.examples.length > 0) console.log(`\nhonest side:\n${r.honest.examples.map((e) => `- ${e}`).join('\n')}`);
  if (failed(r)) console.log(`\nreproduce: npm run fuzz -- --frames ${r.framesSent} --seed ${r.seed}`);
}
