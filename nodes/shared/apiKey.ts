import { createHash, timingSafeEqual } from 'node:crypto';

import { headerValue, type RequestHeaders } from './encoding';
import { DeliveryError } from './errors';

/** Constant-time comparison of two secrets of any length (both are hashed first). */
function secretsEqual(received: string, expected: string): boolean {
	const a = createHash('sha256').update(received, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b);
}

export interface SharedSecretCheck {
	headers: RequestHeaders;
	/** Header carrying the key, e.g. `x-api-key`. */
	headerName: string;
	/** Also accept `Authorization: Bearer <key>`. */
	allowBearer?: boolean;
	/** Also accept the key in this query parameter (for vendors that cannot set headers). */
	query?: Record<string, unknown>;
	queryName?: string;
	/** Accepted keys: the current one first, then previous ones while rotating. */
	keys: string[];
	/** Error code for a wrong value (`bad_api_key` or `bad_token`). */
	code?: 'bad_api_key' | 'bad_token';
	label?: string;
}

/** Checks a shared secret sent as a header, a bearer token or a query parameter. Fails closed. */
export function verifySharedSecret(check: SharedSecretCheck): { source: 'header' | 'bearer' | 'query'; keyIndex: number } {
	const label = check.label ?? 'API key';
	if (check.keys.every((key) => key === '')) throw new DeliveryError('not_configured', `Authentication is on but no ${label} is configured`);

	let source: 'header' | 'bearer' | 'query' | undefined;
	let received = headerValue(check.headers, check.headerName);
	if (received !== undefined) source = 'header';
	if (received === undefined && check.allowBearer) {
		const bearer = /^Bearer[ \t]+(.+)$/i.exec(headerValue(check.headers, 'authorization') ?? '');
		if (bearer) [received, source] = [bearer[1], 'bearer'];
	}
	if (received === undefined && check.query && check.queryName) {
		const raw = check.query[check.queryName];
		const value = Array.isArray(raw) ? raw[0] : raw;
		if (typeof value === 'string' && value !== '') [received, source] = [value, 'query'];
	}
	if (received === undefined || source === undefined) {
		const where = [check.headerName, check.allowBearer ? 'Authorization: Bearer' : '', check.queryName ? `?${check.queryName}=` : '']
			.filter(Boolean)
			.join(' or ');
		throw new DeliveryError('missing_header', `No ${label} was sent (expected ${where})`);
	}
	// Index into the configured list itself, blanks included, so meta.verification names the
	// secret that matched (a blank current key must not make the previous one look current).
	// Every key is compared, so the time taken does not depend on which one matched.
	let keyIndex = -1;
	for (const [index, key] of check.keys.entries()) {
		if (key !== '' && secretsEqual(received, key) && keyIndex === -1) keyIndex = index;
	}
	if (keyIndex === -1) throw new DeliveryError(check.code ?? 'bad_api_key', `The ${label} is not valid`);
	return { source, keyIndex };
}
