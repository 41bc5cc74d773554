/**
 * Senders written for the fuzz tests with node:crypto alone (never the code under test), and the
 * single-byte mutations applied to what they send.
 *
 * A mutated signature or token must be refused unless the change is NEUTRAL, i.e. the header
 * still carries the very same digest/ciphertext in an encoding the verifiers accept on purpose:
 * hex case, the letter case of a prefix (`SHA256=`), base64's two alphabets (`+`/`-`, `/`/`_`),
 * the unused low bits of the last base64 character (Node's decoder ignores them), and optional
 * padding turned into a separator or trailing whitespace. `mayPassAfterEdit` lists exactly those;
 * every other single-character change must be refused.
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';

import * as fc from 'fast-check';

export type Algorithm = 'sha1' | 'sha256' | 'sha512';
export type Encoding = 'hex' | 'base64';
export type Content = 'body' | 'timestamp.body' | 'id.timestamp.body' | 'v0:timestamp:body';

export const DIGEST_LENGTH: Record<Algorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

export function hmac(algorithm: Algorithm, key: string | Buffer, message: Buffer): Buffer {
	return createHmac(algorithm, key).update(message).digest();
}

/** The signed bytes: `body`, `timestamp.body`, `id.timestamp.body` or Slack's `v0:timestamp:body`, written out independently of the product code. */
export function signedBytes(content: Content, body: Buffer, timestamp = '', id = ''): Buffer {
	if (content === 'body') return body;
	const head = content === 'timestamp.body' ? `${timestamp}.` : content === 'v0:timestamp:body' ? `v0:${timestamp}:` : `${id}.${timestamp}.`;
	return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

export interface EncodingStyle {
	encoding: Encoding;
	/** hex: upper case; base64: URL-safe alphabet. */
	variant: boolean;
	/** base64 only: drop the `=` padding. */
	unpadded: boolean;
}

export function encodeDigest(digest: Buffer, style: EncodingStyle): string {
	if (style.encoding === 'hex') {
		const hex = digest.toString('hex');
		return style.variant ? hex.toUpperCase() : hex;
	}
	let text = digest.toString('base64');
	if (style.variant) text = text.replace(/\+/g, '-').replace(/\//g, '_');
	if (style.unpadded) text = text.replace(/=+$/, '');
	return text;
}

/** The three Standard Webhooks headers, signed with the key bytes of a `whsec_` secret. */
export function standardWebhooksHeaders(key: Buffer, id: string, timestamp: string, body: Buffer): Record<string, string> {
	const signature = hmac('sha256', key, signedBytes('id.timestamp.body', body, timestamp, id)).toString('base64');
	return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

export type RoomleIvChoice = 'zero' | 'key' | 'prefixed';

/** A Roomle token `<alg>-<base64(AES-PKCS#5(timestamp;session;apiKey))>` (see protocols.md). */
export function roomleToken(input: { secret: string; apiKey: string; sessionToken: string; date: Date; algorithm: '01' | '02'; iv: RoomleIvChoice }): string {
	const key = Buffer.from(input.secret, 'utf8');
	const bits = key.length * 8;
	const plaintext = Buffer.from(`${input.date.toISOString()};${input.sessionToken};${input.apiKey}`, 'utf8');
	if (input.algorithm === '02') {
		const cipher = createCipheriv(`aes-${bits}-ecb`, key, null);
		return `02-${Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64')}`;
	}
	const iv = input.iv === 'zero' ? Buffer.alloc(16) : input.iv === 'key' ? key.subarray(0, 16) : randomBytes(16);
	const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv);
	const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
	return `01-${(input.iv === 'prefixed' ? Buffer.concat([iv, data]) : data).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

export interface ByteEdit {
	kind: 'replace' | 'insert' | 'delete';
	at: number;
	byte: number;
}

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
	kind: fc.constantFrom('replace' as const, 'insert' as const, 'delete' as const),
	at: fc.nat(),
	byte: fc.integer({ min: 0, max: 255 }),
});

/** One byte of `body` replaced by a DIFFERENT byte, or one byte inserted or deleted. */
export function editBytes(body: Buffer, edit: ByteEdit): Buffer {
	if (body.length === 0 || edit.kind === 'insert') {
		const i = body.length === 0 ? 0 : edit.at % (body.length + 1);
		return Buffer.concat([body.subarray(0, i), Buffer.from([edit.byte]), body.subarray(i)]);
	}
	const i = edit.at % body.length;
	if (edit.kind === 'delete') return Buffer.concat([body.subarray(0, i), body.subarray(i + 1)]);
	const copy = Buffer.from(body);
	copy[i] = (copy[i] + 1 + (edit.byte % 255)) % 256;
	return copy;
}

export interface CharEdit {
	at: number;
	char: string;
}

/** Replacement characters: printable ASCII, tab, NBSP, NEL, latin-1 and a few controls. */
export const charEdit: fc.Arbitrary<CharEdit> = fc.record({
	at: fc.nat(),
	char: fc
		.oneof(
			{ arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 10 },
			{ arbitrary: fc.constantFrom(0x09, 0x00, 0x0a, 0x85, 0xa0, 0xff, 0xe9, 0x2028, 0x3000, 0xfeff), weight: 2 },
		)
		.map((code) => String.fromCharCode(code)),
});

/** `text` with the character at `edit.at` (mod length) replaced by a different one. */
export function editChar(text: string, edit: CharEdit): { text: string; index: number; before: string; after: string } {
	const index = edit.at % text.length;
	const before = text[index];
	let after = edit.char;
	if (after === before) after = before === 'A' ? 'B' : 'A';
	return { text: text.slice(0, index) + after + text.slice(index + 1), index, before, after };
}

const BASE64_VALUE = (char: string): number => {
	if (char === '-') return 62;
	if (char === '_') return 63;
	return 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(char);
};

const isAsciiLetter = (char: string) => /^[A-Za-z]$/.test(char);

/**
 * Whether a one-character replacement in `prefix + encoded` may leave the header carrying the
 * same digest/ciphertext (see the file comment). `bytes` is the decoded length of `encoded`.
 */
export function mayPassAfterEdit(
	layout: { prefix: string; encoded: string; encoding: Encoding; bytes: number },
	edit: { index: number; before: string; after: string },
): boolean {
	const { before, after } = edit;
	if (edit.index < layout.prefix.length) {
		return isAsciiLetter(before) && isAsciiLetter(after) && before.toLowerCase() === after.toLowerCase();
	}
	const j = edit.index - layout.prefix.length;
	if (layout.encoding === 'hex') return before.toLowerCase() === after.toLowerCase();
	if ('+-'.includes(before) && '+-'.includes(after)) return true;
	if ('/_'.includes(before) && '/_'.includes(after)) return true;
	if (before === '=') return /[\s,]/.test(after);
	const lastData = layout.encoded.replace(/=+$/, '').length - 1;
	if (j === lastData) {
		const unused = layout.bytes % 3 === 1 ? 4 : layout.bytes % 3 === 2 ? 2 : 0;
		const a = BASE64_VALUE(before);
		const b = BASE64_VALUE(after);
		if (unused > 0 && a >= 0 && b >= 0 && a >> unused === b >> unused) return true;
	}
	return false;
}
