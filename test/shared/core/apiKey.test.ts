import { normalizeHeaders } from '../../../nodes/shared/encoding';
import { type SharedSecretCheck, verifySharedSecret } from '../../../nodes/shared/apiKey';
import { expectDeliveryError } from '../../vectors/deliveryError';

const KEY = 'ak_live_7Qp2xY9mZ3vR8sT1';
const OLD_KEY = 'ak_live_oldKey_4Hj6kL0n';

const check = (overrides: Partial<SharedSecretCheck>): SharedSecretCheck => ({
	headers: normalizeHeaders({}),
	headerName: 'x-api-key',
	keys: [KEY],
	...overrides,
});

describe('verifySharedSecret', () => {
	it('accepts the key in the configured header (any case)', () => {
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': KEY }) }))).toEqual({ source: 'header', keyIndex: 0 });
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ 'X-Api-Key': ` ${KEY} ` }) }))).toEqual({ source: 'header', keyIndex: 0 });
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': [KEY, 'second'] }) }))).toEqual({ source: 'header', keyIndex: 0 });
	});

	it('accepts Authorization: Bearer only when allowed', () => {
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ authorization: `Bearer ${KEY}` }), allowBearer: true }))).toEqual({ source: 'bearer', keyIndex: 0 });
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ Authorization: `bearer   ${KEY}` }), allowBearer: true })).source).toBe('bearer');
		expectDeliveryError(() => verifySharedSecret(check({ headers: normalizeHeaders({ authorization: `Bearer ${KEY}` }) })), 'missing_header', [KEY]);
		expectDeliveryError(() => verifySharedSecret(check({ headers: normalizeHeaders({ authorization: `Basic ${KEY}` }), allowBearer: true })), 'missing_header', [KEY]);
	});

	it('accepts the key in the query string when configured', () => {
		const base = { query: { token: KEY }, queryName: 'token' };
		expect(verifySharedSecret(check(base))).toEqual({ source: 'query', keyIndex: 0 });
		expect(verifySharedSecret(check({ query: { token: [KEY, 'x'] }, queryName: 'token' })).source).toBe('query');
		expectDeliveryError(() => verifySharedSecret(check({ query: { token: KEY } })), 'missing_header', [KEY]);
		expectDeliveryError(() => verifySharedSecret(check({ query: { token: '' }, queryName: 'token' })), 'missing_header');
	});

	it('prefers the header over the query', () => {
		expectDeliveryError(
			() => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': 'wrong-value-here' }), query: { token: KEY }, queryName: 'token' })),
			'bad_api_key',
			[KEY],
		);
	});

	it('accepts a rotated (previous) key and reports its index', () => {
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': OLD_KEY }), keys: [KEY, OLD_KEY] }))).toEqual({ source: 'header', keyIndex: 1 });
		expect(verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': KEY }), keys: [KEY, OLD_KEY] })).keyIndex).toBe(0);
	});

	it('rejects a wrong key with the configured code, never echoing either key', () => {
		const wrong = 'ak_live_guess_0000000000';
		const e1 = expectDeliveryError(() => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': wrong }) })), 'bad_api_key', [KEY, wrong]);
		expect(e1.message).toBe('The API key is not valid');
		const e2 = expectDeliveryError(
			() => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': wrong }), code: 'bad_token', label: 'token' })),
			'bad_token',
			[KEY, wrong],
		);
		expect(e2.message).toBe('The token is not valid');
		// A prefix or extension of the key is still wrong.
		expectDeliveryError(() => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': KEY.slice(0, -1) }) })), 'bad_api_key', [KEY]);
		expectDeliveryError(() => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': `${KEY}x` }) })), 'bad_api_key', [KEY]);
	});

	it('says where it looked when nothing was sent', () => {
		const error = expectDeliveryError(
			() => verifySharedSecret(check({ headerName: 'x-custom-key', allowBearer: true, query: {}, queryName: 'key' })),
			'missing_header',
			[KEY],
		);
		expect(error.message).toContain('x-custom-key');
		expect(error.message).toContain('Authorization: Bearer');
		expect(error.message).toContain('?key=');
		expect(expectDeliveryError(() => verifySharedSecret(check({})), 'missing_header').message).toBe('No API key was sent (expected x-api-key)');
	});

	it('treats an empty header as missing', () => {
		expectDeliveryError(() => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': '  ' }) })), 'missing_header');
	});

	it('fails closed when no key is configured', () => {
		expectDeliveryError(() => verifySharedSecret(check({ keys: [], headers: normalizeHeaders({ 'x-api-key': KEY }) })), 'not_configured', [KEY]);
		expectDeliveryError(() => verifySharedSecret(check({ keys: [''], headers: normalizeHeaders({ 'x-api-key': '' }) })), 'not_configured');
	});

	it('compares keys of any length, and non-ASCII keys by their UTF-8 bytes', () => {
		const sent = (value: string, keys: string[]) => () => verifySharedSecret(check({ headers: normalizeHeaders({ 'x-api-key': value }), keys }));
		expect(sent(KEY, [KEY])()).toEqual({ source: 'header', keyIndex: 0 });
		expectDeliveryError(sent(KEY, [OLD_KEY]), 'bad_api_key', [KEY, OLD_KEY]);
		// Much shorter and much longer than the key: simply not equal.
		expectDeliveryError(sent('k', [KEY]), 'bad_api_key', [KEY]);
		expectDeliveryError(sent(KEY.repeat(8), [KEY]), 'bad_api_key', [KEY]);
		expect(sent('k', [KEY, 'k'])().keyIndex).toBe(1);
		expect(sent('ü', ['ü'])().keyIndex).toBe(0);
		expectDeliveryError(sent('u', ['ü']), 'bad_api_key');
		expectDeliveryError(sent('ü', ['u\u0308']), 'bad_api_key');
	});
});
