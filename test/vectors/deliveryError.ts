import { DeliveryError, type DeliveryErrorCode } from '../../nodes/shared/errors';

/** The answer each code must get, written out by status (independently of errors.ts's table). */
const CODES_BY_STATUS: Record<number, DeliveryErrorCode[]> = {
	400: ['bad_payload'],
	401: ['missing_header', 'bad_signature', 'bad_timestamp', 'stale_timestamp', 'future_timestamp', 'bad_token', 'bad_api_key', 'not_configured'],
	403: ['forbidden_ip'],
	413: ['payload_too_large'],
};
const STATUS = Object.fromEntries(
	Object.entries(CODES_BY_STATUS).flatMap(([status, codes]) => codes.map((code) => [code, Number(status)])),
) as Record<DeliveryErrorCode, number>;

/**
 * Runs `fn`, asserts it throws a DeliveryError with `code` and the matching HTTP status, that
 * the answer says no more than the code (payload problems aside), and that neither the message
 * nor `toResponse()` leaks any of `secrets`. Returns the error.
 */
export function expectDeliveryError(fn: () => unknown, code: DeliveryErrorCode, secrets: Array<string | Buffer> = []): DeliveryError {
	let thrown: unknown;
	try {
		fn();
	} catch (error) {
		thrown = error;
	}
	if (!(thrown instanceof DeliveryError)) {
		throw new Error(`expected a DeliveryError "${code}", got ${thrown === undefined ? 'no error' : String(thrown)}`);
	}
	expect(thrown.code).toBe(code);
	expect(thrown.status).toBe(STATUS[code]);
	const response = JSON.stringify(thrown.toResponse());
	expect(thrown.toResponse()).toEqual({ error: code, message: thrown.callerMessage });
	// A rejected sender learns what failed, never how the node is configured: outside payload
	// problems (its own to fix), the answer depends on the code alone.
	if (code !== 'bad_payload' && code !== 'payload_too_large') expect(thrown.callerMessage).toBe(new DeliveryError(code, 'detail').callerMessage);
	for (const secret of secrets) {
		const text = typeof secret === 'string' ? secret : secret.toString('utf8');
		if (text.length < 4) continue;
		expect(response).not.toContain(text);
		expect(thrown.message).not.toContain(text);
		if (Buffer.isBuffer(secret)) {
			expect(response).not.toContain(secret.toString('base64'));
			expect(response).not.toContain(secret.toString('hex'));
		}
	}
	return thrown;
}
