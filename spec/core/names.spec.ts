import fc from 'fast-check';
import { NameError, ReservedNameError, VarspaceError, parseFqn, parseNs, parsePattern } from '../../src/index.js';
// Internal: the one-pass check used when interning, held to agree with parseFqn.
import { checkFqn, flatName } from '../../src/core/names.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseFqn', () => {
  test.each([
    ['ui/x', 'ui', 'x', ['ui', 'x']],
    ['ui.buttons/button-423', 'ui.buttons', 'button-423', ['ui', 'buttons', 'button-423']],
    ['a.b.c/d', 'a.b.c', 'd', ['a', 'b', 'c', 'd']],
    ["_x.y1/a-b+c!d?e'f", '_x.y1', "a-b+c!d?e'f", ['_x', 'y1', "a-b+c!d?e'f"]],
    ['0/1', '0', '1', ['0', '1']],
    ['proto/__proto', 'proto', '__proto', ['proto', '__proto']],
  ])('accepts %j', (fqn, ns, name, tokens) => {
    expect(parseFqn(fqn)).toEqual({ fqn, ns, name, tokens });
  });

  // [input, error class, message part that names what is wrong]
  test.each([
    ['', NameError, 'empty'],
    ['a..b/c', NameError, 'empty token'],
    ['.a/b', NameError, 'empty token'],
    ['a./b', NameError, 'empty token'],
    ['/x', NameError, 'empty namespace'],
    ['x/', NameError, 'empty var name'],
    ['x', NameError, 'namespace/name'],
    ['a/b/c', NameError, 'more than one "/"'],
    ['a b/c', NameError, '"a b"'],
    ['a/b c', NameError, '"b c"'],
    [' a/b', NameError, '" a"'],
    ['a/b\n', NameError, '"b\\n"'],
    ['a\t.b/c', NameError, '"a\\t"'],
    ['ui.*/x', NameError, '"*"'],
    ['ui/*', NameError, '"*"'],
    ['ui.>/x', NameError, '">"'],
    ['ui*/x', NameError, '"ui*"'],
    ['a.b>/x', NameError, '"b>"'],
    ['ünï/x', NameError, '"ünï"'],
    ['ui/名前', NameError, '"名前"'],
    ['-a/b', NameError, '"-a"'],
    ["a/'b", NameError, `"'b"`],
    ['__proto__/x', NameError, '"__proto__"'],
    ['a.prototype/x', NameError, '"prototype"'],
    ['a/constructor', NameError, '"constructor"'],
    ['a/$', NameError, '"$"'],
    ['a/b$', NameError, '"b$"'],
    ['$sys/x', ReservedNameError, '$sys'],
    ['$sys.instances/i1', ReservedNameError, '$sys.instances/i1'],
    ['ui/$x', ReservedNameError, '$x'],
  ])('refuses %j', (fqn, errorClass, part) => {
    const error = thrown(() => parseFqn(fqn)) as VarspaceError;
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(VarspaceError);
    expect(error.code).toBe(errorClass === NameError ? 'VS_BAD_NAME' : 'VS_RESERVED_NAME');
    expect(error.message).toContain(part);
  });

  test('a wildcard inside a literal FQN is explained as one', () => {
    expect(() => parseFqn('ui.*/x')).toThrow(/wildcards are allowed only in patterns/);
  });

  test('refuses what is not a string', () => {
    expect(() => parseFqn(42 as unknown as string)).toThrow(NameError);
    expect(() => parseFqn(undefined as unknown as string)).toThrow(/must be a string/);
  });

  test('system names parse when asked for', () => {
    expect(parseFqn('$sys.instances/i1', { system: true }).tokens).toEqual(['$sys', 'instances', 'i1']);
    expect(parseFqn('ui/$x', { system: true }).name).toBe('$x');
    expect(() => parseFqn('$/x', { system: true })).toThrow(NameError);
  });
});

describe('parseNs', () => {
  test.each([
    ['ui', ['ui']],
    ['ui.buttons', ['ui', 'buttons']],
    ['a.b.c', ['a', 'b', 'c']],
  ])('accepts %j', (name, tokens) => {
    expect(parseNs(name)).toEqual(tokens);
  });

  test.each([
    ['', NameError, 'empty'],
    ['a..b', NameError, 'empty token'],
    ['.a', NameError, 'empty token'],
    ['a.', NameError, 'empty token'],
    ['a/b', NameError, '"/"'],
    ['a.*', NameError, '"*"'],
    ['a b', NameError, '"a b"'],
    ['ü', NameError, '"ü"'],
    ['a.__proto__', NameError, '"__proto__"'],
    ['$sys', ReservedNameError, '$sys'],
  ])('refuses %j', (name, errorClass, part) => {
    const error = thrown(() => parseNs(name)) as VarspaceError;
    expect(error).toBeInstanceOf(errorClass);
    expect(error.code).toBe(errorClass === NameError ? 'VS_BAD_NAME' : 'VS_RESERVED_NAME');
    expect(error.message).toContain(part);
  });

  test('system namespaces parse when asked for', () => {
    expect(parseNs('$sys.instances', { system: true })).toEqual(['$sys', 'instances']);
  });
});

describe('parsePattern', () => {
  test.each([
    ['ui.>', ['ui', '>'], false],
    ['>', ['>'], false],
    ['ui.buttons/*', ['ui', 'buttons', '*'], false],
    ['*.buttons/*', ['*', 'buttons', '*'], false],
    ['ui.*', ['ui', '*'], false],
    ['a.b.c', ['a', 'b', 'c'], true],
    ['ui.buttons/b1', ['ui', 'buttons', 'b1'], true],
    ['$sys.>', ['$sys', '>'], false],
    ['$sys.instances/i1', ['$sys', 'instances', 'i1'], true],
  ])('accepts %j', (pattern, tokens, literal) => {
    expect(parsePattern(pattern)).toEqual({ source: pattern, tokens, literal });
  });

  test.each([
    ['', 'empty'],
    ['a/>', '">" is not allowed in a pattern with "/"'],
    ['a.>/x', '">" is not allowed in a pattern with "/"'],
    ['>.a', '">" must be the last token'],
    ['a.>.b', '">" must be the last token'],
    ['ui*', '"ui*"'],
    ['ui.*x/y', '"*x"'],
    ['a..b', 'empty token'],
    ['a//b', 'more than one "/"'],
    ['a/b/c', 'more than one "/"'],
    ['/x', 'empty part'],
    ['x/', 'empty part'],
    ['ui.buttons/a.b', 'one token'],
    ['a', 'cannot match any var'],
    ['a b.c', '"a b"'],
    ['ü.*', '"ü"'],
    ['a.__proto__', '"__proto__"'],
  ])('refuses %j', (pattern, part) => {
    const error = thrown(() => parsePattern(pattern)) as VarspaceError;
    expect(error).toBeInstanceOf(NameError);
    expect(error.code).toBe('VS_BAD_NAME');
    expect(error.message).toContain(part);
  });

  test('the error for ">" in a pattern with "/" suggests the form to write', () => {
    expect(() => parsePattern('a.>/x')).toThrow('write "a.>"');
    expect(() => parsePattern('a/>')).toThrow('write "a.>"');
  });
});

describe('checkFqn (the one-pass check of the intern path)', () => {
  test('returns the index of "/" for a valid FQN', () => {
    expect(checkFqn('ui.buttons/b1')).toBe(10);
    expect(checkFqn('$sys/x', { system: true })).toBe(4);
  });

  test('throws the same errors as parseFqn', () => {
    for (const bad of ['', 'a..b/c', 'a/b/c', 'ui*/x', '__proto__/x', '$sys/x', 'x/']) {
      const expected = thrown(() => parseFqn(bad)) as VarspaceError;
      const actual = thrown(() => checkFqn(bad)) as VarspaceError;
      expect(actual.constructor).toBe(expected.constructor);
      expect(actual.message).toBe(expected.message);
    }
  });

  // Strings built from the characters that matter to the grammar, so that near-misses are common.
  const nameLike = fc
    .array(
      fc.constantFrom(
        'a',
        'b',
        'Z',
        '0',
        '_',
        '-',
        '+',
        '!',
        '?',
        "'",
        '.',
        '/',
        '$',
        '*',
        '>',
        ' ',
        'é',
        '\n',
        '__proto__',
        'prototype',
        'constructor',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

  test('refuses the forbidden words as whole tokens only, and allows them after "$" for the system', () => {
    expect(checkFqn('a.prototypes/x')).toBe(12);
    expect(checkFqn('a/constructor-')).toBe(1);
    expect(checkFqn('a.$prototype/$__proto__', { system: true })).toBe(12);
    expect(() => checkFqn('a.prototype/x')).toThrow('token "prototype" is forbidden');
    expect(() => checkFqn('a/constructor')).toThrow('token "constructor" is forbidden');
    expect(() => checkFqn('__proto__.a/x', { system: true })).toThrow('token "__proto__" is forbidden');
  });

  test('refuses a name with a line break at either end (no multiline anchors)', () => {
    expect(() => checkFqn('a/b\n')).toThrow(NameError);
    expect(() => checkFqn('\na/b')).toThrow(NameError);
  });

  test('accepts and refuses exactly what parseFqn does', () => {
    fc.assert(
      fc.property(nameLike, fc.boolean(), (fqn, system) => {
        let expected: unknown;
        let slash = -1;
        try {
          slash = parseFqn(fqn, { system }).ns.length;
        } catch (error) {
          expected = error;
        }
        if (expected === undefined) {
          expect(checkFqn(fqn, { system })).toBe(slash);
        } else {
          const actual = thrown(() => checkFqn(fqn, { system })) as Error;
          expect(actual.constructor).toBe((expected as Error).constructor);
          expect(actual.message).toBe((expected as Error).message);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("flatName (the intern path's flattening of ropes)", () => {
  test('returns a string with the same content', () => {
    const ropes = Array.from({ length: 50 }, (_, i) => `ns${i % 7}.sub/v${i}`);
    for (const rope of ropes) expect(flatName(rope)).toBe(rope);
    expect(flatName('ui.buttons/b1')).toBe('ui.buttons/b1');
    expect(flatName('')).toBe('');
  });

  test('never returns the normal form of a string that Unicode normalization changes', () => {
    // U+212A KELVIN SIGN normalizes (NFC) to the letter K.
    expect(flatName('a/\u212A')).toBe('a/\u212A');
    expect(flatName('e\u0301/x')).toBe('e\u0301/x');
  });

  test('passes a non-string through, so that the check after it names the error', () => {
    expect(flatName(42 as unknown as string)).toBe(42);
    expect(flatName(undefined as unknown as string)).toBeUndefined();
  });
});
