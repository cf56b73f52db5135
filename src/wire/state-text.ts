/**
 * The text of the state messages (`pub`, `upd`, `gone`), built by concatenation: the hot path of
 * every write serializes only the value. Internal.
 *
 * Safe without escaping because every field but the value is already validated: FQNs are made
 * of name tokens (letters, digits, `_-+!?'`, `.`, `/`, `$`), stamps of hex digits, instance ids
 * of letters, digits, `_` and `-` (the wire schema refuses others, even in a `resume`), revisions
 * are integers. A value with no JSON form (undefined) leaves the
 * `value` field out, as `JSON.stringify` of the whole message would.
 */

function valueField(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? '' : `,"value":${json}`;
}

/** `{"t":"pub",…}`: a write as a link sends it. */
export function pubText(fqn: string, value: unknown, stamp: string, owned = false): string {
  return `{"t":"pub","fqn":"${fqn}"${valueField(value)},"stamp":"${stamp}"${owned ? ',"owned":true' : ''}}`;
}

/** `{"t":"upd",…}`: the state of a var as the hub sends it. */
export function updText(fqn: string, value: unknown, stamp: string, from: string, rev: number): string {
  return `{"t":"upd","fqn":"${fqn}"${valueField(value)},"stamp":"${stamp}","from":"${from}","rev":${rev}}`;
}

/** `{"t":"gone",…}`: the tombstone of an unmapped var. */
export function goneText(fqn: string, stamp: string, from: string, rev: number): string {
  return `{"t":"gone","fqn":"${fqn}","stamp":"${stamp}","from":"${from}","rev":${rev}}`;
}
