import { z } from 'zod';
import { ValidationError } from '../../src/index.js';
// Internal: the check behind `setValidator` and every write.
import { checkValue } from '../../src/core/validator.js';

function refusal(fn: () => void): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('checkValue', () => {
  test('accepts what a schema or a predicate accepts', () => {
    expect(() => checkValue('app/n', z.number(), 1)).not.toThrow();
    expect(() => checkValue('app/n', (v: unknown) => v === 1, 1)).not.toThrow();
  });

  test('a schema refusal lists every issue with its path', () => {
    const schema = z.object({ name: z.string(), tags: z.array(z.string()) });
    const error = refusal(() => checkValue('app/user', schema, { name: 1, tags: ['a', 2] }));
    expect(error.code).toBe('VS_INVALID_VALUE');
    expect(error.message).toMatch(/^app\/user: value refused: /);
    expect(error.details).toEqual({
      fqn: 'app/user',
      issues: [expect.objectContaining({ path: 'name' }), expect.objectContaining({ path: 'tags.1' })],
    });
  });

  test('a schema refusal at the top has no path in the message', () => {
    const error = refusal(() => checkValue('app/n', z.number(), 'x'));
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: '' })]);
    expect(error.message).not.toContain(': :');
  });

  test('a predicate returning false refuses', () => {
    const error = refusal(() => checkValue('app/n', () => false, 1));
    expect(error.message).toBe('app/n: value refused by validator');
    expect(error.details).toEqual({ fqn: 'app/n' });
  });

  test('a predicate that throws refuses, naming its reason', () => {
    const error = refusal(() =>
      checkValue(
        'app/n',
        () => {
          throw new Error('too big');
        },
        1,
      ),
    );
    expect(error.message).toContain('too big');
  });

  test('a schema that transforms only checks: the value itself is not replaced', () => {
    const value = { n: '1' };
    expect(() => checkValue('app/x', z.object({ n: z.string().transform(Number) }), value)).not.toThrow();
    expect(value).toEqual({ n: '1' });
  });
});
