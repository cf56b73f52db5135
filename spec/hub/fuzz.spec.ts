// 5,000 seeded hostile frames against a hub in a child process, beside an honest writer and
// reader (bench/fuzz, `npm run fuzz` runs 100,000). Loads dist/: build first.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FuzzReport } from '../../bench/fuzz/run-fuzz.js';

const MAIN = fileURLToPath(new URL('../../bench/fuzz/main.ts', import.meta.url));
const SEED = 14;

/** Runs the fuzzer in its own process (it forks the hub) and returns its report. */
function fuzz(frames: number, seed: number): Promise<FuzzReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--frames', String(frames), '--seed', String(seed), '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the fuzzer did not finish in 100 s: ${stderr.slice(-2000)}`));
    }, 100_000);
    child.once('exit', () => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as FuzzReport);
      } catch {
        reject(new Error(`the fuzzer printed no report: ${stderr.slice(-2000)}`));
      }
    });
  });
}

describe('fuzz: 5,000 hostile frames of many shapes (malformed input, forged stamps, forged resumes, floods)', () => {
  let report: FuzzReport;
  beforeAll(async () => {
    report = await fuzz(5_000, SEED);
  }, 110_000);

  // The examples say which frame did it; `npm run fuzz -- --frames 5000 --seed 14` prints them.
  const why = (list: unknown[]) => JSON.stringify(list, null, 1).slice(0, 4000);

  test('every frame was sent and the honest writer was acknowledged', () => {
    expect(report.framesSent).toBeGreaterThanOrEqual(5_000);
    expect(report.honest.acked).toBeGreaterThan(0);
  });

  test('malformed input: the hub never crashes and serves on', () => {
    expect({
      crashes: report.hubCrashes,
      stalls: report.stalls,
      why: report.hubCrashes + report.stalls > 0 ? why(report.examples.crash) : '',
    }).toEqual({ crashes: 0, stalls: 0, why: '' });
  });

  test('malformed input: no frame gets VS_INTERNAL or a logged stack trace', () => {
    const internal = report.internalAnswers + report.hubErrorLogs + report.honest.internalErrors;
    expect({ internal, why: internal > 0 ? why([...report.examples.internal, ...report.honest.examples]) : '' }).toEqual({
      internal: 0,
      why: '',
    });
  });

  test('clock poisoning: no acknowledged honest write is lost or refused', () => {
    const failures = report.honest.lost + report.honest.refused;
    expect({ lost: report.honest.lost, refused: report.honest.refused, why: failures > 0 ? why(report.honest.examples) : '' }).toEqual({
      lost: 0,
      refused: 0,
      why: '',
    });
  });

  test('the honest writer, the honest reader and the hub hold the same state', () => {
    expect({ mismatches: report.honest.mismatches, why: report.honest.mismatches > 0 ? why(report.honest.examples) : '' }).toEqual({
      mismatches: 0,
      why: '',
    });
  });

  test('resume theft: no forged resume is welcomed with the id it claims', () => {
    expect({ thefts: report.idThefts, why: report.idThefts > 0 ? why(report.examples.thefts) : '' }).toEqual({ thefts: 0, why: '' });
  });
});
