import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { decodeBase64, decodeHex } from './encoding';
import { DeliveryError } from './errors';
import { type Clock, assertFreshTimestamp, parseTimestamp } from './timestamps';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';
/** What is signed: the raw body, `timestamp.body` (Stripe style), or `id.timestamp.body` (Standard Webhooks). */
export type SignedContent = 'body' | 'timestamp.body' | 'id.timestamp.body';

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

export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** The exact bytes that are signed, built from the raw body (never from re-serialised JSON). */
export function signedMessage(content: SignedContent, parts: SignedParts): Buffer {
	if (content === 'body') return parts.body;
	if (parts.timestamp === undefined) throw new DeliveryError('missing_header', 'The timestamp header is missing');
	if (content === 'timestamp.body') return Buffer.concat([Buffer.from(`${parts.timestamp}.`), parts.body]);
	if (parts.id === undefined) throw new DeliveryError('missing_header', 'The message id header is missing');
	return Buffer.concat([Buffer.from(`${parts.id}.${parts.timestamp}.`), parts.body]);
}

export function hmacDigest(algorithm: HmacAlgorithm, secret: string | Buffer, message: Buffer): Buffer {
	return createHmac(algorithm, secret).update(message).digest();
}

/** The header value a sender puts on the request: prefix + encoded digest. */
export function signHmac(scheme: HmacScheme, secret: string | Buffer, parts: SignedParts): string {
	const digest = hmacDigest(scheme.algorithm, secret, signedMessage(scheme.signedContent, parts));
	return scheme.prefix + digest.toString(scheme.encoding);
}

/**
 * Splits a signature header into candidate values. Senders put several signatures in one
 * header during a key rotation (`v1,a v1,b`, `sha256=a,sha256=b`); any of them may match.
 */
export function signatureCandidates(header: string, prefix: string): string[] {
	const pieces = header.split(/\s+/).filter(Boolean);
	const split = prefix.includes(',') ? pieces : pieces.flatMap((piece) => piece.split(',')).filter(Boolean);
	const wanted = prefix.toLowerCase();
	return split
		.filter((piece) => piece.toLowerCase().startsWith(wanted))
		.map((piece) => piece.slice(prefix.length));
}

export function decodeSignature(encoding: SignatureEncoding, value: string): Buffer | undefined {
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

/**
 * Verifies an HMAC signature over the raw body: sign with each secret, then constant-time
 * compare the digest bytes (so hex case and base64 alphabet do not matter).
 */
export function verifyHmac(input: HmacVerification): HmacVerified {
	const usable = input.secrets.filter((secret) => secret.length > 0);
	if (usable.length === 0) {
		throw new DeliveryError('not_configured', 'Signature verification is on but no secret is configured');
	}
	if (input.signature === undefined) {
		throw new DeliveryError('missing_header', `The ${input.signatureHeaderName} header is missing`);
	}

	let timestampSec: number | undefined;
	const usesTimestamp = input.scheme.signedContent !== 'body';
	if (input.timestamp !== undefined) {
		timestampSec = parseTimestamp(input.timestamp);
		assertFreshTimestamp(timestampSec, input.toleranceSec, input.clock);
	} else if (usesTimestamp || input.timestampHeaderName) {
		throw new DeliveryError('missing_header', `The ${input.timestampHeaderName ?? 'timestamp'} header is missing`);
	}

	const candidates = signatureCandidates(input.signature, input.scheme.prefix)
		.map((value) => decodeSignature(input.scheme.encoding, value))
		.filter((bytes): bytes is Buffer => bytes !== undefined && bytes.length === DIGEST_BYTES[input.scheme.algorithm]);
	if (candidates.length === 0) {
		throw new DeliveryError(
			'bad_signature',
			`The ${input.signatureHeaderName} header holds no ${input.scheme.encoding} ${input.scheme.algorithm} signature${
				input.scheme.prefix ? ` starting with "${input.scheme.prefix}"` : ''
			}`,
		);
	}

	const message = signedMessage(input.scheme.signedContent, input);
	// Iterate the configured list itself so `secretIndex` points into `input.secrets` (a blank
	// current secret must not make the previous one look current).
	for (const [secretIndex, secret] of input.secrets.entries()) {
		if (secret.length === 0) continue;
		const expected = hmacDigest(input.scheme.algorithm, secret, message);
		// Compare every candidate even after a match, so timing does not depend on position.
		let matched = false;
		for (const candidate of candidates) matched = timingSafeEqual(candidate, expected) || matched;
		if (matched) return { secretIndex, timestampSec };
	}
	throw new DeliveryError(
		'bad_signature',
		'The signature does not match the body (was the body changed, or is the secret wrong?)',
	);
}

/** Short, non-reversible fingerprint of a body, used as a dedup key where the vendor has no id. */
export function bodyFingerprint(body: Buffer): string {
	return createHash('sha256').update(body).digest('hex').slice(0, 32);
}
