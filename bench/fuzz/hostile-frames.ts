// The hostile frames of the fuzzer: one plan per step, chosen by a seeded PRNG. Each plan is a
// shape (named by `kind`), the frames it sends, and where: on an already welcomed socket, or on a
// fresh one before (or instead of) a valid hello.
import type { Rng } from './prng.js';

/** What the hostile side knows of the run (ids learned from welcomes, the honest vars). */
export interface FuzzTargets {
  /** The hub's own instance id (`welcome.hub`). */
  readonly hubId: string;
  /** The instance ids of the honest links. */
  readonly honestIds: readonly string[];
  /** Every var the honest writer writes. */
  readonly honestFqns: readonly string[];
  /** Ids welcomed to hostile sockets so far (live or departed). */
  readonly hostileIds: readonly string[];
}

/** One step of the fuzzer. */
export interface HostilePlan {
  /** The shape, for the report (`wrong-type:pub.stamp`, `deep-value:object-100000`, …). */
  readonly kind: string;
  /** `pool`: sent on a welcomed socket; `fresh`: on a new socket that has said nothing yet. */
  readonly socket: 'pool' | 'fresh';
  readonly frames: readonly (string | Buffer)[];
  /** For a forged resume: the id claimed (a welcome with this id is an id theft). */
  readonly claimed?: string;
}

/** A piece of JSON text put as it is into a frame (numbers JSON.stringify cannot write, deep values). */
class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);

/** A frame's text: `messages` as JSON, with every {@link Raw} spliced in as written. */
function frameText(messages: unknown): string {
  const pieces: string[] = [];
  const text = JSON.stringify(messages, (_key, value: unknown) => {
    if (value instanceof Raw) {
      pieces.push(value.text);
      return `\u0000RAW${pieces.length - 1}\u0000`;
    }
    return value;
  });
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => pieces[Number(i)]);
}

const hex = (n: number, width: number) => Math.floor(n).toString(16).padStart(width, '0').slice(-width);
const stampAt = (wallMs: number, counter = 0) => hex(wallMs, 12) + hex(counter, 4);
const nowStamp = (rng: Rng) => stampAt(Date.now(), rng.int(0x10000));

/** Stamps no hub may accept: past the 48-bit wall, far in the future, or malformed. */
const FORGED_STAMPS: readonly ((rng: Rng) => string)[] = [
  () => 'ffffffffffffffff',
  () => 'ffffffffffff0000',
  (rng) => stampAt(Date.now() + 86_400_000 * (1 + rng.int(36_500))),
  () => stampAt(Date.now() + 10 * 60_000),
  () => 'FFFFFFFFFFFFFFFF',
  () => 'fffffffffffffffff',
  () => 'ffffffffffffff',
  () => 'gggggggggggggggg',
  () => '',
  () => '-00000000000001',
];

const BAD_FQNS: readonly string[] = [
  '',
  'a',
  'a/',
  '/a',
  'a//b',
  'a..b/c',
  '.a/b',
  'a./b',
  'ui*/x',
  'a/*',
  'a/>',
  '>',
  '*',
  'a b/c',
  '__proto__/x',
  'a/__proto__',
  'constructor/x',
  'a.prototype/b',
  'ü/x',
  'a/b/c',
  '\u0000/x',
  '-a/b',
  'a/-b',
  'x'.repeat(1025),
  `${'x'.repeat(1020)}/yyyy`,
  `${'a.'.repeat(400)}b/c`,
  'a/\ud800',
  'toString/valueOf',
];

const WRONG_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  -1,
  0,
  1.5,
  raw('1e309'),
  raw('-1e309'),
  raw('-0'),
  2 ** 53 + 2,
  '',
  'x',
  'ffffffffffffffff',
  [],
  [1],
  {},
  { a: 1 },
  'x'.repeat(5000),
  raw('9'.repeat(400)),
];

/** A random JSON value: every kind, odd keys and strings included. */
function randomJson(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), rng.int(1e6), raw('1e308'), raw('-0')]);
    case 3:
      return rng.pick(['', 'x', '__proto__', 'constructor', '\u2028', '\ud800', '💥', '$sys.instances/x', 'a'.repeat(rng.int(300))]);
    case 4:
      return rng.pick(['t', 'pub', 'hello', 'ffffffffffffffff']);
    case 5:
      return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--)
        object[rng.pick(['t', 'fqn', 'value', 'stamp', 'sid', '__proto__', 'constructor', 'from', 'w', 'x'])] = randomJson(rng, depth + 1);
      return object;
    }
  }
}

const hostileFqn = (rng: Rng) => `fuzz.h${rng.int(8)}/v${rng.int(200)}`;
const smallValue = (rng: Rng) => rng.pick([rng.int(1000), `s${rng.int(1000)}`, { n: rng.int(100) }, [rng.int(10)], null, true]);

/** A valid message of every type a client may send, and of every type only a hub sends. */
function templates(rng: Rng, t: FuzzTargets): Record<string, Record<string, unknown>> {
  const fqn = hostileFqn(rng);
  return {
    hello: { t: 'hello', versions: [1], attributes: { processType: 'node' } },
    sub: { t: 'sub', sid: rng.int(50), pattern: `fuzz.h${rng.int(8)}.>`, since: rng.int(100), epoch: 'x' },
    unsub: { t: 'unsub', sid: rng.int(50) },
    pub: { t: 'pub', fqn, value: smallValue(rng), stamp: nowStamp(rng), ref: rng.int(1000), owned: rng.chance(0.2) },
    pubs: { t: 'pubs', w: [[fqn, nowStamp(rng), smallValue(rng)]] },
    cas: { t: 'cas', fqn, value: smallValue(rng), stamp: nowStamp(rng), rev: rng.int(3), ref: rng.int(1000) },
    del: { t: 'del', fqn, stamp: nowStamp(rng), ref: rng.int(1000) },
    mark: { t: 'mark', n: rng.int(1000) },
    ping: { t: 'ping', n: rng.int(1000) },
    pong: { t: 'pong', n: rng.int(1000) },
    bye: { t: 'bye' },
    welcome: { t: 'welcome', version: 1, id: t.hubId, token: 't', hub: t.hubId, epoch: 'e', time: Date.now() },
    upds: { t: 'upds', from: rng.pick(t.honestIds), u: [[rng.pick(t.honestFqns), nowStamp(rng), 1, 'forged']] },
    gone: { t: 'gone', fqn: rng.pick(t.honestFqns), stamp: nowStamp(rng), from: rng.pick(t.honestIds), rev: 1 },
    subok: { t: 'subok', sid: 1, rev: 1 },
    ack: { t: 'ack', ref: 1, stamp: nowStamp(rng), rev: 1 },
    err: { t: 'err', code: 'VS_INTERNAL', message: 'x' },
    marked: { t: 'marked', n: 1 },
  };
}
const CLIENT_TYPES = ['hello', 'sub', 'unsub', 'pub', 'pubs', 'cas', 'del', 'mark', 'ping', 'pong', 'bye'];

/** A value nesting `depth` deep, as text (building it as an object would blow the stack of JSON.stringify). */
function deepText(depth: number, object: boolean): string {
  return object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Shapes sent on a welcomed socket, with their weights. */
const POOL_SHAPES: readonly [weight: number, make: (rng: Rng, t: FuzzTargets) => HostilePlan][] = [
  [6, (rng) => ({ kind: 'random-json', socket: 'pool', frames: [frameText(rng.chance(0.7) ? [randomJson(rng)] : randomJson(rng))] })],
  [
    10,
    (rng, t) => {
      const all = templates(rng, t);
      const type = rng.pick(Object.keys(all));
      const message = { ...all[type] };
      const field = rng.pick(Object.keys(message));
      message[field] = rng.pick(WRONG_VALUES);
      return { kind: `wrong-type:${type}.${field}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    3,
    (rng, t) => {
      const type = rng.pick(CLIENT_TYPES);
      const message = { ...templates(rng, t)[type] };
      const field = rng.pick(
        Object.keys(message)
          .filter((k) => k !== 't')
          .concat('t'),
      );
      delete message[field];
      return { kind: `missing-field:${type}.${field}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    4,
    (rng, t) => {
      const type = rng.pick(CLIENT_TYPES.filter((x) => x !== 'bye' && x !== 'hello'));
      const extra = rng.pick(['from', '__proto__', 'constructor', 'rev', 'x']);
      const text = frameText([templates(rng, t)[type]]).replace(
        /}]$/,
        `,${JSON.stringify(extra)}:${JSON.stringify(rng.pick([...t.honestIds, t.hubId, { polluted: true }]))}}]`,
      );
      return { kind: `forged-field:${type}.${extra}`, socket: 'pool', frames: [text] };
    },
  ],
  [
    3,
    (rng, t) => {
      const type = rng.pick(['welcome', 'upds', 'gone', 'subok', 'ack', 'err', 'marked']);
      return { kind: `hub-message:${type}`, socket: 'pool', frames: [frameText([templates(rng, t)[type]])] };
    },
  ],
  [
    2,
    (rng) => {
      const bytes = rng.pick([256 * 1024 + 1, 256 * 1024 - 64, 900_000]);
      const value = rng.chance(0.5) ? 'x'.repeat(bytes) : raw(`[${'1,'.repeat(Math.floor(bytes / 2) - 1)}1]`);
      const message = rng.chance(0.5)
        ? { t: 'pub', fqn: hostileFqn(rng), value, stamp: nowStamp(rng), ref: 1 }
        : { t: 'pubs', w: [[hostileFqn(rng), nowStamp(rng), value]] };
      return { kind: `huge-value:${message.t}-${bytes}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    3,
    (rng) => {
      const depth = rng.pick([33, 1000, 100_000]);
      const object = rng.chance(0.5);
      const value = raw(deepText(depth, object));
      const type = rng.pick(['pub', 'pubs', 'cas']);
      const message =
        type === 'pub'
          ? { t: 'pub', fqn: hostileFqn(rng), value, stamp: nowStamp(rng), ref: 2 }
          : type === 'pubs'
            ? { t: 'pubs', w: [[hostileFqn(rng), nowStamp(rng), value]] }
            : { t: 'cas', fqn: hostileFqn(rng), value, stamp: nowStamp(rng), rev: 0, ref: 3 };
      return { kind: `deep-value:${type}-${object ? 'object' : 'array'}-${depth}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    6,
    (rng) => {
      const fqn = rng.pick(BAD_FQNS);
      const type = rng.pick(['pub', 'pubs', 'cas', 'del', 'sub']);
      const message =
        type === 'pub'
          ? { t: 'pub', fqn, value: 1, stamp: nowStamp(rng), ref: 4 }
          : type === 'pubs'
            ? { t: 'pubs', w: [[fqn, nowStamp(rng), 1]] }
            : type === 'cas'
              ? { t: 'cas', fqn, value: 1, stamp: nowStamp(rng), rev: 0, ref: 5 }
              : type === 'del'
                ? { t: 'del', fqn, stamp: nowStamp(rng), ref: 6 }
                : { t: 'sub', sid: rng.int(50), pattern: fqn };
      return { kind: `bad-fqn:${type}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    5,
    (rng, t) => {
      const fqn = rng.pick([
        `$sys.instances/${rng.pick([...t.honestIds, t.hubId, ...t.hostileIds.slice(-3)])}`,
        '$sys.x/y',
        '$x/y',
        '$sys.instances/new',
      ]);
      const type = rng.pick(['pub', 'pubs', 'cas', 'del', 'sub']);
      const message =
        type === 'pub'
          ? { t: 'pub', fqn, value: { instanceId: t.hubId }, stamp: nowStamp(rng), ref: 7 }
          : type === 'pubs'
            ? { t: 'pubs', w: [[fqn, nowStamp(rng)]] }
            : type === 'cas'
              ? { t: 'cas', fqn, value: 1, stamp: nowStamp(rng), rev: rng.int(5), ref: 8 }
              : type === 'del'
                ? { t: 'del', fqn, stamp: 'ffffffffffffffff', ref: 9 }
                : { t: 'sub', sid: rng.int(50), pattern: rng.pick(['$sys.>', '$sys.instances/*', '>']) };
      return { kind: `sys-name:${type}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    8,
    (rng, t) => {
      // Forged stamps aimed at the honest vars too: a hub must refuse them, or the honest writes lose.
      const make = rng.int(FORGED_STAMPS.length);
      const stamp = FORGED_STAMPS[make](rng);
      const fqn = rng.chance(0.5) ? rng.pick(t.honestFqns) : hostileFqn(rng);
      const type = rng.pick(['pub', 'pubs', 'cas', 'del']);
      const message =
        type === 'pub'
          ? { t: 'pub', fqn, value: 'forged', stamp, ref: 10 }
          : type === 'pubs'
            ? { t: 'pubs', w: [[fqn, stamp, 'forged']] }
            : type === 'cas'
              ? { t: 'cas', fqn, value: 'forged', stamp, rev: rng.int(3), ref: 11 }
              : { t: 'del', fqn, stamp, ref: 12 };
      return { kind: `forged-stamp:${type}-${make}`, socket: 'pool', frames: [frameText([message])] };
    },
  ],
  [
    14,
    (rng, t) => {
      // Valid traffic, so that the hub routes, stores and corrects while it is attacked.
      const all = templates(rng, t);
      const messages: unknown[] = [];
      for (let i = 1 + rng.int(6); i > 0; i--)
        messages.push(all[rng.pick(['pub', 'pubs', 'cas', 'del', 'sub', 'unsub', 'mark', 'ping', 'pong'])]);
      if (rng.chance(0.2))
        messages.push({ t: 'pubs', w: Array.from({ length: 1 + rng.int(2000) }, () => [hostileFqn(rng), nowStamp(rng), smallValue(rng)]) });
      return { kind: 'valid', socket: 'pool', frames: [frameText(messages)] };
    },
  ],
  [
    1,
    (rng) => {
      const n = rng.pick([5001, 100_001]);
      return { kind: `many-messages:${n}`, socket: 'pool', frames: [`[${'{"t":"ping","n":1},'.repeat(n - 1)}{"t":"ping","n":1}]`] };
    },
  ],
  [2, (rng, t) => ({ kind: 'second-hello', socket: 'pool', frames: [frameText([templates(rng, t).hello])] })],
  [
    2,
    (rng, t) => {
      const after = frameText([templates(rng, t).pub]);
      return { kind: 'frames-after-bye', socket: 'pool', frames: [frameText([{ t: 'bye' }, templates(rng, t).pubs]), after, after] };
    },
  ],
  [
    2,
    (rng) => ({
      kind: 'binary',
      socket: 'pool',
      frames: [
        rng.chance(0.5) ? Buffer.from('[{"t":"ping","n":1}]') : Buffer.from(Array.from({ length: 1 + rng.int(64) }, () => rng.int(256))),
      ],
    }),
  ],
  [
    1,
    (rng) => ({
      kind: 'oversize',
      socket: 'pool',
      frames: [frameText([{ t: 'pub', fqn: hostileFqn(rng), value: 'x'.repeat(1024 * 1024), stamp: nowStamp(rng) }])],
    }),
  ],
  [
    4,
    (rng) => ({
      kind: 'not-a-frame',
      socket: 'pool',
      frames: [rng.pick(['', 'not json', '{}', 'null', '"x"', '1', '[1]', '[null]', '[[]]', '[{}]', '[', '\ufeff[]', '[]'])],
    }),
  ],
];

const BAD_HELLOS: readonly unknown[] = [
  { t: 'hello', versions: [] },
  { t: 'hello', versions: [2] },
  { t: 'hello', versions: ['1'] },
  { t: 'hello', versions: [1.5] },
  { t: 'hello', versions: 'x' },
  { t: 'hello' },
  { t: 'hello', versions: Array(17).fill(1) },
  { t: 'hello', versions: [raw('1e309')] },
  { t: 'hello', versions: [1], attributes: { colour: 'red' } },
  { t: 'hello', versions: [1], attributes: { appName: '' } },
  { t: 'hello', versions: [1], attributes: { identity: 'a b' } },
  { t: 'hello', versions: [1], attributes: { processType: 5 } },
  { t: 'hello', versions: [1], attributes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
  { t: 'hello', versions: [1], attributes: { appName: 'x'.repeat(300) } },
  { t: 'hello', versions: [1], attributes: { __proto__: 'x' } },
  { t: 'hello', versions: [1], attributes: { appType: 'nope' } },
  { t: 'hello', versions: [1], attributes: [] },
  { t: 'hello', versions: [1], resume: { id: 'x' } },
  { t: 'hello', versions: [1], resume: { id: 5, token: 't' } },
  { t: 'hello', versions: [1], resume: { id: '-x', token: 't' } },
  { t: 'hello', versions: [1], resume: { id: 'a'.repeat(65), token: 't' } },
  { t: 'hello', versions: [1], resume: { id: 'a', token: '' } },
  { t: 'hello', versions: [1], resume: { id: 'a', token: 'x'.repeat(257) } },
  { t: 'hello', versions: [1], takeover: 'yes' },
  { versions: [1] },
];

const FIRST_FRAMES: readonly (string | (() => Buffer))[] = [
  '[]',
  '{}',
  'null',
  '',
  'not json',
  '[1]',
  '[null]',
  '[[]]',
  '[{}]',
  '[{"t":"ping","n":1}]',
  '[{"t":"bye"}]',
  '[{"t":"pub","fqn":"fuzz.h0/x","value":1,"stamp":"0000000000000001"}]',
  '[{"t":"hello","versions":[1]},{"t":"hello","versions":[1]}]',
  '[{"t":"hello","versions":[1]},{"t":"pubs","w":[["fuzz.h0/first","0000000000000001",1]]}]',
  () => Buffer.from([0, 1, 2]),
];

/** Shapes sent on a fresh socket (before hello, or as its hello), with their weights. */
const FRESH_SHAPES: readonly [weight: number, make: (rng: Rng, t: FuzzTargets) => HostilePlan][] = [
  [
    3,
    (rng) => {
      const first = rng.pick(FIRST_FRAMES);
      return { kind: 'first-frame', socket: 'fresh', frames: [typeof first === 'function' ? first() : first] };
    },
  ],
  [3, (rng) => ({ kind: 'bad-hello', socket: 'fresh', frames: [frameText([rng.pick(BAD_HELLOS)])] })],
  [
    2,
    (rng, t) => {
      // A flood before any hello: a hub must close (or throttle) it, not serve it.
      const frames: (string | Buffer)[] = [];
      for (let i = 20 + rng.int(200); i > 0; i--)
        frames.push(frameText([templates(rng, t)[rng.pick(['ping', 'pubs', 'pub', 'sub', 'mark'])]]));
      frames.push(frameText([templates(rng, t).hello]));
      return { kind: 'pre-hello-flood', socket: 'fresh', frames };
    },
  ],
  [
    4,
    (rng, t) => {
      const [why, claimed] = rng.pick<[string, string]>([
        ['hub-id', t.hubId],
        ['honest-id', rng.pick(t.honestIds)],
        ['hostile-id', t.hostileIds.length > 0 ? rng.pick(t.hostileIds) : t.hubId],
        ['unknown-id', `forged-${rng.int(1e9)}`],
      ]);
      const token = rng.pick(['x', '0'.repeat(36), `t${rng.int(1e9)}`]);
      const hello = { t: 'hello', versions: [1], resume: { id: claimed, token } };
      // Then write as that instance: what a thief would do with the id.
      const write = frameText([{ t: 'pub', fqn: `fuzz.h0/as-${why}`, value: 'stolen', stamp: nowStamp(rng), ref: 13 }]);
      return { kind: `forged-resume:${why}`, socket: 'fresh', frames: [frameText([hello]), write], claimed };
    },
  ],
  [
    1,
    (rng) => ({
      kind: 'takeover',
      socket: 'fresh',
      frames: [frameText([{ t: 'hello', versions: [1], attributes: { identity: `fz${rng.int(4)}` }, takeover: true }])],
    }),
  ],
];

const ALL = [...POOL_SHAPES, ...FRESH_SHAPES];
const TOTAL = ALL.reduce((sum, [weight]) => sum + weight, 0);

/**
 * The next hostile step.
 * @param rng - the run's PRNG (the same seed gives the same shapes).
 * @param targets - ids and names the shapes aim at.
 * @example const plan = planHostile(mulberry32(1), targets); // { kind: 'wrong-type:pub.stamp', socket: 'pool', frames: [...] }
 */
export function planHostile(rng: Rng, targets: FuzzTargets): HostilePlan {
  let roll = rng.next() * TOTAL;
  for (const [weight, make] of ALL) {
    roll -= weight;
    if (roll < 0) return make(rng, targets);
  }
  return ALL[0][1](rng, targets);
}
