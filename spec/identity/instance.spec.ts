import { validate, version } from 'uuid';
import { ValidationError } from '../../src/core/errors.js';
import { createInstance, instanceAttributesSchema, parseInstanceAttributes } from '../../src/identity/instance.js';

describe('createInstance', () => {
  test('a v4 UUID, a start time and validated, frozen attributes', () => {
    const before = Date.now();
    const me = createInstance({
      processType: 'node',
      appName: 'My dashboard',
      role: 'server',
      appType: 'dashboard-server',
      identity: 'dashboard-prod',
    });
    expect(validate(me.instanceId)).toBe(true);
    expect(version(me.instanceId)).toBe(4);
    expect(me.startedAt).toBeGreaterThanOrEqual(before);
    expect(me.startedAt).toBeLessThanOrEqual(Date.now());
    expect(me.attributes).toEqual({
      processType: 'node',
      appName: 'My dashboard',
      role: 'server',
      appType: 'dashboard-server',
      identity: 'dashboard-prod',
    });
    expect(Object.isFrozen(me)).toBe(true);
    expect(Object.isFrozen(me.attributes)).toBe(true);
  });

  test('every attribute is optional; ids are unique', () => {
    const a = createInstance();
    const b = createInstance({});
    expect(a.instanceId).not.toBe(b.instanceId);
    expect(a.attributes).toEqual({});
  });

  test('processType accepts node, browser, worker and other tokens', () => {
    for (const processType of ['node', 'browser', 'worker', 'deno']) {
      expect(createInstance({ processType }).attributes.processType).toBe(processType);
    }
    expect(() => createInstance({ processType: 'web worker' })).toThrow(ValidationError);
  });

  test('unknown keys are refused with a clear ValidationError', () => {
    let error: unknown;
    try {
      createInstance({ appName: 'x', colour: 'red' } as any);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('VS_INVALID_VALUE');
    expect((error as ValidationError).message).toBe(
      'instance attributes refused: unknown key "colour" (allowed: processType, appName, role, appType, identity)',
    );
  });

  test('wrong types and bad tokens are refused, each issue named', () => {
    expect(() => createInstance({ appName: 3 } as any)).toThrow(/appName/);
    expect(() => createInstance({ identity: 'two words' })).toThrow(/identity: identity must be one token/);
    expect(() => createInstance({ appType: '$sys' })).toThrow(ValidationError);
    expect(() => createInstance({ role: '' })).toThrow(/role/);
    expect(() => createInstance(null as any)).toThrow(ValidationError);
    expect(() => createInstance('node' as any)).toThrow(ValidationError);
  });

  test('an undefined attribute is dropped, not kept as a key', () => {
    expect(Object.keys(createInstance({ appName: undefined, role: 'r' }).attributes)).toEqual(['role']);
  });

  test('a given instance id must be a UUID; startedAt can be given', () => {
    const id = '550e8400-e29b-41d4-a716-446655440000';
    const me = createInstance({}, { instanceId: id, startedAt: 1766201278888 });
    expect(me.instanceId).toBe(id);
    expect(me.startedAt).toBe(1766201278888);
    expect(() => createInstance({}, { instanceId: 'browser-abc123' })).toThrow(ValidationError);
    expect(() => createInstance({}, { startedAt: NaN })).toThrow(ValidationError);
  });

  test('the schema and parser are usable on their own (e.g. for a hello message)', () => {
    expect(instanceAttributesSchema.safeParse({ role: 'x' }).success).toBe(true);
    expect(parseInstanceAttributes({ role: 'x' })).toEqual({ role: 'x' });
    expect(() => parseInstanceAttributes({ extra: 1 })).toThrow(/unknown key "extra"/);
  });
});
