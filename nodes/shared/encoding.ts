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

/** Headers as Node hands them over: any case, repeated headers as arrays. */
export type HeaderBag = Record<string, string | string[] | undefined>;

declare const normalized: unique symbol;

/**
 * Request headers as every check reads them, built once per delivery by {@link normalizeHeaders}:
 * lower-case names, one value each, trimmed as HTTP does. The brand keeps a raw header object
 * from being passed where these are expected.
 */
export type RequestHeaders = Readonly<Record<string, string>> & { readonly [normalized]: true };

/**
 * Lower-cases names, keeps the first value of a repeated header (the one a sender's library
 * wrote; a proxy appends), trims it ({@link trimOws}) and drops empty values: an empty header
 * counts as absent. When two names differ only in case, the first one wins.
 */
export function normalizeHeaders(raw: HeaderBag): RequestHeaders {
	// No prototype: a header named `__proto__` or `constructor` is just a header.
	const headers: Record<string, string> = Object.create(null) as Record<string, string>;
	const seen = new Set<string>();
	for (const [name, value] of Object.entries(raw)) {
		const key = name.toLowerCase();
		if (seen.has(key)) continue;
		seen.add(key);
		const first = Array.isArray(value) ? value[0] : value;
		const trimmed = first === undefined ? '' : trimOws(first);
		if (trimmed !== '') headers[key] = trimmed;
	}
	return headers as RequestHeaders;
}

/** One header's value, or undefined when it is absent (or was empty). */
export function headerValue(headers: RequestHeaders, name: string): string | undefined {
	return headers[name.toLowerCase()];
}
