import { timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two byte strings; different lengths are simply unequal. */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
	const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
	const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
	if (left.length !== right.length) return false;
	return timingSafeEqual(left, right);
}

/**
 * Strips what HTTP strips around a field value: spaces and horizontal tabs only (RFC 9110 §5.5).
 * `String.prototype.trim()` would also drop U+00A0 and other Unicode spaces, and so accept a
 * secret or signature that was sent with one attached.
 */
export function trimOws(value: string): string {
	let start = 0;
	let end = value.length;
	while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
	while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
	return start === 0 && end === value.length ? value : value.slice(start, end);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Strict base64 decoding (standard or URL-safe alphabet, padding optional). Node's own decoder
 * silently skips invalid characters, which would let a mangled value decode to something:
 * we reject instead. Returns undefined for malformed input.
 */
export function decodeBase64(text: string): Buffer | undefined {
	const value = trimOws(text);
	if (!BASE64.test(value) && !BASE64URL.test(value)) return undefined;
	let unpadded = value.length;
	while (unpadded > 0 && value.charCodeAt(unpadded - 1) === 0x3d /* = */) unpadded--;
	if (unpadded % 4 === 1) return undefined;
	// Node's base64 decoder reads the URL-safe alphabet too, and the checks above allow padding
	// only at the end: the checked value is decoded as it is (this runs on every Roomle token).
	return Buffer.from(value, 'base64');
}

/** Strict hex decoding; undefined for odd lengths or non-hex characters. */
export function decodeHex(text: string): Buffer | undefined {
	const value = trimOws(text);
	if (value.length === 0 || !HEX.test(value)) return undefined;
	return Buffer.from(value, 'hex');
}

/**
 * Case-insensitive header lookup; repeated headers (arrays) yield their first value. The value
 * is trimmed as HTTP does ({@link trimOws}); empty counts as absent.
 */
export type HeaderBag = Record<string, string | string[] | undefined>;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, raw] of Object.entries(headers)) {
		if (key.toLowerCase() !== wanted) continue;
		const value = Array.isArray(raw) ? raw[0] : raw;
		if (value === undefined) return undefined;
		const trimmed = trimOws(value);
		return trimmed === '' ? undefined : trimmed;
	}
	return undefined;
}
