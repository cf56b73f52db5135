// Compile-only type test (not run by jest): `tsc -p tsconfig.json --noEmit` compiles it, and
// every `@ts-expect-error` line must be an error — an unused one fails the build.
import { Observable, map, of } from 'rxjs';
import { z } from 'zod';
import { Space } from '../../src/core/space.js';
import type { Var } from '../../src/core/var.js';
import { combineVars } from '../../src/rx/combine-vars.js';
import { derive } from '../../src/rx/derive.js';
import { follow$ } from '../../src/rx/follow$.js';
import { fromInstance } from '../../src/rx/from-instance.js';
import { intoVar } from '../../src/rx/into-var.js';
import { notFrom } from '../../src/rx/not-from.js';
import { ref$ } from '../../src/rx/ref$.js';
import { select } from '../../src/rx/select.js';
import type { Tagged } from '../../src/rx/tagged.js';
import { defineAppType, instantiate } from '../../src/identity/app-type.js';
import { LocalNames } from '../../src/identity/local-names.js';
import { createInstance } from '../../src/identity/instance.js';

declare const space: Space;
declare const count: Var<number>;
declare const label: Var<string>;

// ref$: the value type comes from the var, or from the type argument for an FQN.
const r1: Observable<number> = ref$(count);
const r2: Observable<string> = ref$(count).pipe(map((n) => n.toFixed(2)));
const r3: Observable<boolean> = ref$<boolean>('app/ready', space);
const r4: Observable<unknown> = ref$('app/ready');
// @ts-expect-error a number stream is not a string stream
const r5: Observable<string> = ref$(count);
const untyped = ref$('app/count');
// @ts-expect-error an untyped FQN gives unknown, not number
const r6: Observable<number> = untyped;

// derive: argument types come from the sources; the result type from fn.
const d1: Var<string> = derive('app/label', [count, label], (n, s) => `${s}: ${n}`, space);
const d2: Var<number> = derive('app/sum', ['app/a', count], (a: number, n) => a + n, space);
// @ts-expect-error the derived value is a string, not a number
const d3: Var<number> = derive('app/label2', [label], (s) => s.toUpperCase(), space);
// @ts-expect-error fn's parameter must accept the source's value type
derive('app/bad', [count], (s: string) => s, space);
// @ts-expect-error an FQN source's value is unknown unless fn's parameter says otherwise
derive('app/bad2', ['app/a'], (a) => a + 1, space);
// fn may ignore the source values
const d4: Var<number> = derive('app/now', ['app/tick'], () => Date.now(), space);

// combineVars: the result object's types come from the vars, or from the type argument.
const c1: Observable<{ n: number; s: string }> = combineVars({ n: count, s: label }, space);
const c2: Observable<{ a: number; b: string }> = combineVars<{ a: number; b: string }>({ a: 'x/a', b: 'x/b' });
// @ts-expect-error n is a number
const c3: Observable<{ n: string }> = combineVars({ n: count });
// @ts-expect-error a Var<string> cannot stand for a number
combineVars<{ a: number }>({ a: label });

// intoVar: the stream must carry the var's value type.
const i1: Observable<number> = of(1, 2).pipe(intoVar(count));
const i2: Observable<{ x: number }> = of({ x: 1 }).pipe(intoVar('app/point', space));
// @ts-expect-error a string stream cannot be written into a Var<number>
of('one').pipe(intoVar(count));
// @ts-expect-error an explicitly typed FQN refuses another type too
of('one').pipe(intoVar<number>('app/count'));

// select: path types and projection types.
declare const state$: Observable<{ user: { name: string; age?: number }; tags: string[] }>;
const s1: Observable<string> = state$.pipe(select('user.name'));
const s2: Observable<number | undefined> = state$.pipe(select('user.age'));
const s3: Observable<number> = state$.pipe(select((s) => s.tags.length));
// @ts-expect-error user.name is a string
const s4: Observable<number> = state$.pipe(select('user.name'));

// follow$ is typed by its type argument.
const f1: Observable<string> = follow$<string>('log/target', space);

// fromInstance / notFrom keep the tagged type.
declare const tagged$: Observable<Tagged<number>>;
const t1: Observable<Tagged<number>> = tagged$.pipe(fromInstance('prod', new LocalNames()), notFrom('me'));
// @ts-expect-error the values are numbers
const t2: Observable<Tagged<string>> = tagged$.pipe(fromInstance('prod'));

// instantiate returns one typed var per resource.
const Dashboard = defineAppType('dashboard-server', {
  'app-state': z.object({ status: z.enum(['starting', 'up']) }),
  'user-prefs': z.object({ theme: z.enum(['light', 'dark']) }),
});
const app = instantiate(space, Dashboard, 'dashboard.prod', { 'app-state': { status: 'starting' }, 'user-prefs': { theme: 'dark' } });
const a1: Var<{ status: 'starting' | 'up' }> = app['app-state'];
const a2: 'light' | 'dark' = app['user-prefs'].deref().theme;
app['app-state'].reset({ status: 'up' });
// @ts-expect-error not one of the enum values
app['app-state'].reset({ status: 'sleeping' });
// @ts-expect-error no such resource
// eslint-disable-next-line @typescript-eslint/no-unused-expressions -- a type check: the access alone must not compile
app['logs'];
// @ts-expect-error initial values are typed by the schemas
instantiate(space, Dashboard, 'd', { 'app-state': { status: 'starting' }, 'user-prefs': { theme: 'pink' } });
// @ts-expect-error every resource needs an initial value
instantiate(space, Dashboard, 'd', { 'app-state': { status: 'starting' } });

// createInstance: known attribute keys only.
createInstance({ processType: 'node', appName: 'x' });
createInstance({ processType: 'deno' });
// @ts-expect-error unknown attribute
createInstance({ colour: 'red' });

export const used = [r1, r2, r3, r4, r5, r6, d1, d2, d3, d4, c1, c2, c3, i1, i2, s1, s2, s3, s4, f1, t1, t2, a1, a2];
