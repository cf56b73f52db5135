// The value model's checker on its own: what it accepts, what it refuses, and the path it names.
import { runInNewContext } from 'node:vm';
import { LimitError, ValidationError, checkJsonValue } from '../../src/index.js';

const refusal = (value: unknown): unknown => {
  try {
    checkJsonValue(value, 'ui/x');
  } catch (error) {
    return error;
  }
  return undefined;
};

test('JSON values pass: primitives, arrays, plain and null-prototype objects, undefined at the top or as a property', () => {
  for (const value of [
    null,
    true,
    0,
    -0,
    1.5,
    'text',
    [],
    {},
    [1, ['a', { b: null }]],
    Object.create(null),
    undefined,
    { gone: undefined },
  ]) {
    expect(refusal(value)).toBeUndefined();
  }
});

test('a shared reference is not a cycle: the same object twice passes', () => {
  const shared = { n: 1 };
  expect(refusal({ a: shared, b: [shared, shared] })).toBeUndefined();
});

test('a plain object from another realm passes; a Map from there does not', () => {
  expect(refusal(runInNewContext('({ a: [1, { b: 2 }] })'))).toBeUndefined();
  expect(refusal(runInNewContext('new Map()'))).toBeInstanceOf(ValidationError);
});

test('symbol-keyed properties are not looked at (JSON has no symbol keys)', () => {
  expect(refusal({ a: 1, [Symbol('s')]: () => 1 })).toBeUndefined();
});

test('the error names the first bad part by its path', () => {
  expect(refusal({ list: [0, { 'a b': 10n }] })).toMatchObject({
    code: 'VS_INVALID_VALUE',
    message: 'ui/x: value.list[1]["a b"] is a bigint, not a JSON value',
    details: { path: 'value.list[1]["a b"]' },
  });
  expect(refusal([[1], [2, Symbol('s')]])).toMatchObject({ details: { path: 'value[1][1]' } });
});

test('nesting deeper than 1,000 levels is a LimitError; the walk does not recurse', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = { next: deep };
  expect(refusal(deep)).toBeInstanceOf(LimitError);
  let fine: unknown = 1;
  for (let i = 0; i < 999; i++) fine = [fine];
  expect(refusal(fine)).toBeUndefined();
});
