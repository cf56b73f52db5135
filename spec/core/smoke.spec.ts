import { Space } from '../../src/index.js';
import { z } from 'zod';

test('smoke', () => {
  const s = new Space();
  const events: string[] = [];
  s.events$().subscribe((e) => events.push(`${e.type}:${'fqn' in e ? e.fqn : e.ns}`));
  const v = s.intern('ui.buttons/b1', 1);
  expect(s.resolve('ui.buttons/b1')).toBe(v);
  expect(events).toEqual(['ns-created:ui', 'ns-created:ui.buttons', 'var-interned:ui.buttons/b1']);
  v.setValidator(z.number());
  expect(() => v.reset('x' as any)).toThrow(/refused/);
  expect(s.match('ui.>')).toEqual([v]);
  expect(s.match('*.buttons/*')).toEqual([v]);
  expect(s.match('ui/*')).toEqual([]);
});
