/**
 * The wire form of every `next` cursor the API hands out: `{body}.{checksum}`, where `body` is the
 * base64url (no padding) of a JSON payload and `checksum` the base64url of the first 16 bytes of
 * SHA-256 over `body`. Decoding is strict: canonical base64url only, the checksum compared as text,
 * UTF-8 that decodes without replacement, JSON.
 *
 * The checksum is not authentication (anyone can recompute it): it turns a damaged cursor
 * (truncated, a flipped character, a copy error) into a 400 instead of a silently different page.
 * Each cursor's module says why nothing in its payload needs a key (audit-cursor.ts, list-cursor.ts).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

const CHECKSUM_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why the wire form was refused: not one this codec writes, or a checksum that does not match. */
export type CursorCodecFailure = 'malformed' | 'checksum';

export class CursorCodecError extends Error {
  constructor(readonly failure: CursorCodecFailure) {
    super(`Not a cursor (${failure})`);
    this.name = 'CursorCodecError';
  }
}

const checksumOf = (body: string): string => createHash('sha256').update(body, 'utf8').digest().subarray(0, CHECKSUM_BYTES).toString('base64url');

/** `text` as base64url bytes, only when it is the one canonical spelling of them. */
function canonicalBase64url(text: string): Buffer {
  if (!BASE64URL.test(text)) throw new CursorCodecError('malformed');
  const bytes = Buffer.from(text, 'base64url');
  // Node ignores stray trailing bits: two spellings of one cursor would both decode.
  if (bytes.toString('base64url') !== text) throw new CursorCodecError('malformed');
  return bytes;
}

export function encodeCursorPayload(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${checksumOf(body)}`;
}

/** The JSON payload of a cursor at most `maxLength` characters long; throws CursorCodecError. */
export function decodeCursorPayload(text: string, maxLength: number): unknown {
  if (text.length === 0 || text.length > maxLength) throw new CursorCodecError('malformed');
  const parts = text.split('.');
  if (parts.length !== 2) throw new CursorCodecError('malformed');
  const [body = '', checksum = ''] = parts;
  const bytes = canonicalBase64url(body);
  if (checksum !== checksumOf(body)) throw new CursorCodecError('checksum');
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    throw new CursorCodecError('malformed');
  }
}
