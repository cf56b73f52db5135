// `npm run soak`: the load half (bench/soak-load.ts), then the idle half (bench/soak-idle.ts, when
// present), each in a process of its own so that neither's memory shows in the other's figures.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const halves = ['soak-load.ts', 'soak-idle.ts']
  .map((name) => fileURLToPath(new URL(`./${name}`, import.meta.url)))
  .filter((file) => existsSync(file));
let failed = false;
for (const file of halves) {
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } }).on('exit', resolve);
  });
  if (code !== 0) {
    console.error(`${file} exited with ${code}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
