import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { decodeBase64, decodeHex } from './encoding';
import { DeliveryError } from './errors';
import { type Clock, assertFreshTimestamp, parseTimestamp, parseUnixSeconds } from './timestamps';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';
/**
 * What is signed: the raw body, `timestamp.body` (Stripe style), `id.timestamp.body` (Standard
 * Webhooks) or `v0:timestamp:body` (Slack).
 */
export type SignedContent = 'body' | 'timestamp.body' | 'id.timestamp.body' | 'v0:timestamp:body';

export interface HmacScheme {
	algorithm: HmacAlgorithm;
	encoding: SignatureEncoding;
	/** Text in front of the encoded digest, e.g. `sha256=` or `v1,`; empty for none. */
	prefix: string;
	signedContent: SignedContent;
}

export interface SignedParts {
	body: Buffer;
	timestamp?: string;
	id?: string;
}

const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

// HTTP's whitespace only (RFC 9110): a Unicode space is part of a value, not a separator.
const WHITESPACE = /[ \t]+/;
const WHITESPACE_OR_COMMA = /[ \t,]+/;

/**
 * What goes in front of the raw body in the signed bytes (`timestamp.`, `id.timestamp.` or
 * `v0:timestamp:`), or undefined when only the body is signed. One place for the separators,
 * used by signing and verifying alike (the HMAC is fed in pieces, the body never copied).
 */
function signedHead(content: SignedContent, parts: SignedParts): string | undefined {
	if (content === 'body') return undefined;
	if (parts.timestamp === undefined) throw new DeliveryError('missing_header', 'The timestamp header is missing');
	if (content === 'timestamp.body') return `${parts.timestamp}.`;
	if (content === 'v0:timestamp:body') return `v0:${parts.timestamp}:`;
	if (parts.id === undefined) throw new DeliveryError('missing_header', 'The message id header is missing');
	return `${parts.id}.${parts.timestamp}.`;
}

/** The HMAC of `head ‖ body`, fed in pieces so the body is never copied. */
function hmacOfParts(algorithm: HmacAlgorithm, secret: string | Buffer, head: string | undefined, body: Buffer): Buffer {
	const hmac = createHmac(algorithm, secret);
	if (head !== undefined) hmac.update(head, 'utf8');
	return hmac.update(body).digest();
}

/** The header value a sender puts on the request: prefix + encoded digest. */
export function signHmac(scheme: HmacScheme, secret: string | Buffer, parts: SignedParts): string {
	const digest = hmacOfParts(scheme.algorithm, secret, signedHead(scheme.signedContent, parts), parts.body);
	return scheme.prefix + digest.toString(scheme.encoding);
}

/**
 * Splits a signature header into candidate values. Senders put several signatures in one
 * header during a key rotation (`v1,a v1,b`, `sha256=a,sha256=b`); any of them may match.
 */
export function signatureCandidates(header: string, prefix: string): string[] {
	const separators = prefix.includes(',') ? WHITESPACE : WHITESPACE_OR_COMMA;
	const wanted = prefix.toLowerCase();
	// Most headers hold one signature: skip splitting when there is nothing to split on. The
	// array is then filtered in place (no second array: this runs on every request).
	const pieces = separators.test(header) ? header.split(separators) : [header];
	let kept = 0;
	for (const piece of pieces) {
		if (piece !== '' && (wanted === '' || piece.toLowerCase().startsWith(wanted))) pieces[kept++] = piece.slice(prefix.length);
	}
	pieces.length = kept;
	return pieces;
}

function decodeSignature(encoding: SignatureEncoding, value: string): Buffer | undefined {
	return encoding === 'hex' ? decodeHex(value) : decodeBase64(value);
}

export interface HmacVerification {
	scheme: HmacScheme;
	/** Accepted secrets, current first: more than one while a secret is being rotated. */
	secrets: Array<string | Buffer>;
	body: Buffer;
	/** Raw value of the signature header, undefined when absent. */
	signature: string | undefined;
	signatureHeaderName: string;
	/** Raw timestamp header value, when the scheme uses one. */
	timestamp?: string;
	timestampHeaderName?: string;
	/** `unixSeconds`: integer seconds only (Standard Webhooks); otherwise any form {@link parseTimestamp} reads. */
	timestampFormat?: 'unixSeconds' | 'any';
	id?: string;
	/** Allowed clock difference in seconds, both directions; 0 turns the check off. */
	toleranceSec: number;
	clock: Clock;
}

export interface HmacVerified {
	/** Index into `secrets` of the secret that matched (0 = current, 1+ = previous). */
	secretIndex: number;
	timestampSec?: number;
}

function hasUsableSecret(secrets: ReadonlyArray<string | Buffer>): boolean {
	for (const secret of secrets) if (secret.length > 0) return true;
	return false;
}

/**
 * Presented signatures decoded for `scheme`: only values of the digest's length are kept (the
 * others stay undefined), so comparing is always between equal lengths, as timingSafeEqual
 * needs. The array has its final size from the start: this runs on every request.
 */
export function decodePresentedSignatures(scheme: HmacScheme, values: readonly string[]): Array<Buffer | undefined> {
	const digestBytes = DIGEST_BYTES[scheme.algorithm];
	const candidates = new Array<Buffer | undefined>(values.length);
	for (let i = 0; i < values.length; i++) {
		// A hex value of another length cannot hold this digest: it is not even decoded.
		const bytes = scheme.encoding === 'hex' && values[i].length !== digestBytes * 2 ? undefined : decodeSignature(scheme.encoding, values[i]);
		candidates[i] = bytes !== undefined && bytes.length === digestBytes ? bytes : undefined;
	}
	return candidates;
}

export interface HmacMatch {
	scheme: HmacScheme;
	/** Accepted secrets, current first; blank entries are skipped but keep their index. */
	secrets: ReadonlyArray<string | Buffer>;
	/** The body, and the timestamp and id where the signed content includes them. */
	parts: SignedParts;
	/** From {@link decodePresentedSignatures}. */
	candidates: ReadonlyArray<Buffer | undefined>;
	/**
	 * Digests already computed for this request, by signed content, algorithm and secret: a
	 * caller trying several schemes on one request (auto-detect) hashes the body once for each.
	 */
	digestCache?: Map<string, Buffer>;
}

/**
 * The index of the secret whose HMAC equals one of the candidates (constant-time compare), or
 * undefined. Never throws for a mismatch, so a caller trying several schemes pays no exception.
 */
export function matchingSecret(match: HmacMatch): number | undefined {
	const { scheme, secrets, parts, candidates, digestCache } = match;
	const head = signedHead(scheme.signedContent, parts);
	// Iterate the configured list itself so the index points into `secrets` (a blank current
	// secret must not make the previous one look current).
	for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
		const secret = secrets[secretIndex];
		if (secret.length === 0) continue;
		const key = `${scheme.signedContent}|${scheme.algorithm}|${secretIndex}`;
		let expected = digestCache?.get(key);
		if (!expected) {
			expected = hmacOfParts(scheme.algorithm, secret, head, parts.body);
			digestCache?.set(key, expected);
		}
		// Compare every candidate even after a match, so timing does not depend on position.
		let matched = false;
		for (const candidate of candidates) {
			if (candidate !== undefined) matched = timingSafeEqual(candidate, expected) || matched;
		}
		if (matched) return secretIndex;
	}
	return undefined;
}

/**
 * Verifies an HMAC signature over the raw body: sign with each secret, then constant-time
 * compare the digest bytes (so hex case and base64 alphabet do not matter).
 */
export function verifyHmac(input: HmacVerification): HmacVerified {
	const { scheme, secrets } = input;
	if (!hasUsableSecret(secrets)) {
		throw new DeliveryError('not_configured', 'Signature verification is on but no secret is configured');
	}
	if (input.signature === undefined) {
		throw new DeliveryError('missing_header', `The ${input.signatureHeaderName} header is missing`);
	}

	let timestampSec: number | undefined;
	const usesTimestamp = scheme.signedContent !== 'body';
	if (input.timestamp !== undefined) {
		timestampSec = input.timestampFormat === 'unixSeconds' ? parseUnixSeconds(input.timestamp) : parseTimestamp(input.timestamp);
		assertFreshTimestamp(timestampSec, input.toleranceSec, input.clock);
	} else if (usesTimestamp || input.timestampHeaderName) {
		throw new DeliveryError('missing_header', `The ${input.timestampHeaderName ?? 'timestamp'} header is missing`);
	}

	const candidates = decodePresentedSignatures(scheme, signatureCandidates(input.signature, scheme.prefix));
	if (candidates.every((candidate) => candidate === undefined)) {
		throw new DeliveryError(
			'bad_signature',
			`The ${input.signatureHeaderName} header holds no ${scheme.encoding} ${scheme.algorithm} signature${
				scheme.prefix ? ` starting with "${scheme.prefix}"` : ''
			}`,
		);
	}
	const secretIndex = matchingSecret({ scheme, secrets, parts: input, candidates });
	if (secretIndex !== undefined) return { secretIndex, timestampSec };
	throw new DeliveryError(
		'bad_signature',
		'The signature does not match the body (was the body changed, or is the secret wrong?)',
	);
}

/** Short, non-reversible fingerprint of a body, used as a dedup key where the vendor has no id. */
export function bodyFingerprint(body: Buffer): string {
	return createHash('sha256').update(body).digest('hex').slice(0, 32);
}
