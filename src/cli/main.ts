#!/usr/bin/env node
// The `varspace` command: run a hub (or the demo), and talk to one from the shell.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { VarspaceError } from '../core/errors.js';
import { parseFqn, parsePattern } from '../core/names.js';
import { checkHubUrl } from '../sync/connect-options.js';
import { DEFAULT_URL } from './default-url.js';
import { demoCommand } from './demo-command.js';
import { getCommand } from './get-command.js';
import { checkAllowedHosts } from '../hub/host-guard.js';
import { resolveLimits, type HubLimits } from '../hub/limits.js';
import type { LogLevel } from '../hub/logger.js';
import { hubCommand, type HubCommandOptions } from './hub-command.js';
import { lsCommand } from './ls-command.js';
import { jsonArgument, setCommand } from './set-command.js';
import { watchCommand } from './watch-command.js';

const print = (line: string) => console.log(line);

// `varspace watch … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

function logLevel(value: string): LogLevel {
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(value))
    throw new InvalidArgumentError('one of debug, info, warn, error, silent');
  return value as LogLevel;
}

function limitsOption(value: string): HubLimits {
  let limits: HubLimits;
  try {
    limits = JSON.parse(value) as HubLimits;
  } catch {
    throw new InvalidArgumentError('JSON, e.g. {"maxFrameBytes":1048576}');
  }
  return asUsage(() => (resolveLimits(limits), limits));
}

function allowedHost(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...asUsage(() => (checkAllowedHosts([value]), [value]))];
}

function ownerLeave(value: string): 'unmap' | 'stale' {
  if (value !== 'unmap' && value !== 'stale') throw new InvalidArgumentError('unmap or stale');
  return value;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** Runs a check of an argument: a `VarspaceError` it throws (bad name, JSON, URL) is a usage error (exit 2). */
function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof VarspaceError) throw new InvalidArgumentError(`${error.code}: ${error.message}`);
    throw error;
  }
}

const fqnArgument = (value: string) => asUsage(() => (parseFqn(value, { system: true }), value));
const patternArgument = (value: string) => asUsage(() => (parsePattern(value), value));
const hubUrl = (value: string) => asUsage(() => checkHubUrl(value));

function stopOnSignal(stop: () => Promise<unknown>): void {
  const handler = () => void stop().finally(() => process.exit(0));
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const EXIT_CODES = `
Exit codes:
  0  done
  1  the command failed: the hub cannot be reached or refused it, the port is in use, …
     (stderr: "error VS_CODE: message")
  2  usage error: unknown command or option, missing argument, bad JSON value, name,
     pattern or URL (stderr: one line, "error: …")`;

// Set before the subcommands are added: they inherit exitOverride and the output settings.
const program = new Command('varspace')
  .description('Named observable state shared between processes: run a hub, watch, get, set and list vars.')
  .version(version, '-V, --version', 'print the version')
  .addHelpText('after', EXIT_CODES)
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} (see varspace --help)\n`) });

program
  .command('hub')
  .description('run a hub (WebSocket server with /health and /stats) and log connections and errors')
  .option('--port <port>', 'TCP port (0: any free one)', port, 7070)
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option(
    '--data <dir>',
    'keep the state in this directory (append-only log + snapshot, fsync on every write; survives kill -9); default: in memory',
  )
  .option('--nats <url...>', 'share the space with other hubs through NATS JetStream KV at this URL (e.g. nats://127.0.0.1:4222)')
  .option('--bucket <name>', 'the NATS KV bucket (with --nats; default varspace)')
  .option('--token <token>', 'let in only connections presenting this token (Authorization: Bearer, ?token=, or subprotocol token.<token>)')
  .option('--rules <file>', 'a JSON file of access rules: { "<principal or role or *>": { "read": [patterns], "write": [patterns] } }')
  .option('--allow-origin <origin...>', "browser origins allowed to connect (default: the hub's own host)")
  .option(
    '--allow-host <host...>',
    'host names (no port) requests may carry besides localhost, 127.x and [::1] (DNS-rebinding guard); * for any',
    allowedHost,
  )
  .option('--log-level <level>', 'debug, info, warn, error or silent', logLevel, 'info')
  .option('--heartbeat-ms <ms>', 'ping quiet peers this often; drop them after three times it', positive)
  .option('--limits <json>', 'per-connection limits as JSON, e.g. \'{"messagesPerSecond":5000,"maxValueBytes":65536}\'', limitsOption)
  .option('--owner-grace-ms <ms>', 'how long an owner instance may be gone before its owned vars are cleaned up', positive)
  .option('--on-owner-leave <what>', 'unmap or stale: what happens to owned vars when their owner does not come back', ownerLeave)
  .action(async (options: HubCommandOptions) => {
    const hub = await hubCommand(options, print);
    stopOnSignal(() => hub.close());
  });

program
  .command('demo')
  .description('run a hub with its live inspector and a demo writer')
  .option('--port <port>', 'TCP port (0: any free one)', port, 7070)
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .action(async (options: { port: number; host: string }) => {
    const stop = await demoCommand(options, print);
    stopOnSignal(stop);
  });

program
  .command('watch')
  .description('print one line per update of the vars matching a pattern: time, FQN, writer instance id, JSON value')
  .argument('<pattern>', 'e.g. "demo.>"', patternArgument)
  .option('--url <url>', 'hub URL', hubUrl, DEFAULT_URL)
  .action(async (pattern: string, options: { url: string }) => {
    const link = await watchCommand(pattern, options.url, print);
    stopOnSignal(() => link.close());
  });

program
  .command('get')
  .description("print a var's value as JSON")
  .argument('<fqn>', 'e.g. demo.counters/ticks', fqnArgument)
  .option('--url <url>', 'hub URL', hubUrl, DEFAULT_URL)
  .action((fqn: string, options: { url: string }) => getCommand(fqn, options.url, print));

program
  .command('set')
  .description('write a JSON value to a var through the hub')
  .argument('<fqn>', 'e.g. demo.counters/ticks', fqnArgument)
  .argument('<json>', 'the value as JSON (quote strings: \'"text"\')', (value: string) => asUsage(() => jsonArgument(value)))
  .option('--url <url>', 'hub URL', hubUrl, DEFAULT_URL)
  .action((fqn: string, value: unknown, options: { url: string }) => setCommand(fqn, value, options.url, print));

program
  .command('ls')
  .description('list the FQNs of the vars matching a pattern (default: all), one a line')
  .argument('[pattern]', 'default ">"', patternArgument)
  .option('--url <url>', 'hub URL', hubUrl, DEFAULT_URL)
  .action((pattern: string | undefined, options: { url: string }) => lsCommand(pattern ?? '>', options.url, print));

program.parseAsync().catch((error: unknown) => {
  // Commander has printed its message (or the help, or the version) already.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const code = error instanceof VarspaceError ? error.code : 'VS_INTERNAL';
  console.error(`error ${code}: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
