/**
 * The text of the state messages, built by concatenation: the hot path of every write
 * serializes only the value. Internal.
 *
 * Safe without escaping because every field but the value is already validated: FQNs are made
 * of name tokens (letters, digits, `_-+!?'`, `.`, `/`, `$`), stamps of hex digits, instance ids
 * of letters, digits, `_` and `-` (the wire schema refuses others, even in a `resume`), revisions
 * are integers. A value with no JSON form (undefined) is left out of its entry.
 */

function valueTail(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? ']' : `,${json}]`;
}

/** `[fqn,stamp,value]`: one write in a link's `pubs` batch. */
export function pubEntryText(fqn: string, stamp: string, value: unknown): string {
  return `["${fqn}","${stamp}"${valueTail(value)}`;
}

/** `[fqn,stamp,rev,value]`: one var's state in a hub's `upds` batch. */
export function updEntryText(fqn: string, stamp: string, rev: number, value: unknown): string {
  return `["${fqn}","${stamp}",${rev}${valueTail(value)}`;
}

/** The head of a `pubs` batch; its entries follow, then `]}`. */
export const PUBS_HEAD = '{"t":"pubs","w":[';

/** The head of an `upds` batch of the writes of `from`; its entries follow, then `]}`. */
export function updsHead(from: string): string {
  return `{"t":"upds","from":"${from}","u":[`;
}

/** `{"t":"gone",…}`: the tombstone of an unmapped var. */
export function goneText(fqn: string, stamp: string, from: string, rev: number): string {
  return `{"t":"gone","fqn":"${fqn}","stamp":"${stamp}","from":"${from}","rev":${rev}}`;
}
