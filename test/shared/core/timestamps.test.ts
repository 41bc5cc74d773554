import { decodeBase64, decodeHex, headerValue, normalizeHeaders } from '../../../nodes/shared/encoding';
import { DeliveryError } from '../../../nodes/shared/errors';
import { assertFreshTimestamp, parseTimestamp } from '../../../nodes/shared/timestamps';
import { expectDeliveryError } from '../../vectors/deliveryError';

describe('parseTimestamp', () => {
	it.each([
		['1614265330', 1614265330],
		[' 1614265330 ', 1614265330],
		['0', 0],
		['1614265330123', 1614265330],
		['1614265330999', 1614265330],
		['2021-02-25T15:02:10Z', 1614265330],
		['2021-02-25T15:02:10.999Z', 1614265330],
		['2021-02-25T16:02:10+01:00', 1614265330],
		['2021-02-25T15:02:10.000+00:00', 1614265330],
	])('%p → %p', (text, seconds) => {
		expect(parseTimestamp(text)).toBe(seconds);
	});

	it.each(['', 'abc', '-1614265330', '1614265330.5', '1e9', '0x603', '12345678901234567', 'Thu, 25 Feb 2021 15:02:10 GMT', '2021-13-45T99:00:00Z', 'yesterday 2021'])(
		'%p → bad_timestamp',
		(text) => {
			expectDeliveryError(() => parseTimestamp(text), 'bad_timestamp');
		},
	);
});

describe('assertFreshTimestamp', () => {
	const now = 1_700_000_000;
	const clock = () => now * 1000 + 999;
	it('is inclusive at the boundary in both directions', () => {
		expect(() => assertFreshTimestamp(now - 60, 60, clock)).not.toThrow();
		expect(() => assertFreshTimestamp(now + 60, 60, clock)).not.toThrow();
		expectDeliveryError(() => assertFreshTimestamp(now - 61, 60, clock), 'stale_timestamp');
		expectDeliveryError(() => assertFreshTimestamp(now + 61, 60, clock), 'future_timestamp');
	});
	it('is off for 0, negative or NaN tolerances', () => {
		for (const tolerance of [0, -5, Number.NaN]) expect(() => assertFreshTimestamp(0, tolerance, clock)).not.toThrow();
	});
});

describe('encoding helpers', () => {
	it('decodeBase64 accepts both alphabets, with or without padding, and rejects junk', () => {
		const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
		expect(decodeBase64(bytes.toString('base64'))).toEqual(bytes);
		expect(decodeBase64(bytes.toString('base64url'))).toEqual(bytes);
		expect(decodeBase64('+/+/AQ')).toEqual(bytes);
		for (const junk of ['ab$c', 'a b', 'abcde', '+/_-', '==ab']) expect(decodeBase64(junk)).toBeUndefined();
	});
	it('decodeHex is strict', () => {
		expect(decodeHex('00ffAB')).toEqual(Buffer.from([0, 255, 171]));
		for (const junk of ['', '0', 'zz', '0x00']) expect(decodeHex(junk)).toBeUndefined();
	});
	it('headerValue is case-insensitive, takes the first of repeated headers, and treats blank as absent', () => {
		expect(headerValue(normalizeHeaders({ 'X-Thing': ' v ' }), 'x-thing')).toBe('v');
		expect(headerValue(normalizeHeaders({ 'x-thing': ['a', 'b'] }), 'X-THING')).toBe('a');
		expect(headerValue(normalizeHeaders({ 'x-thing': '' }), 'x-thing')).toBeUndefined();
		expect(headerValue(normalizeHeaders({ 'x-thing': undefined }), 'x-thing')).toBeUndefined();
	});
});

describe('DeliveryError', () => {
	it('maps codes to statuses; the sender gets the code and a fixed reason, the log the detail', () => {
		const error = new DeliveryError('forbidden_ip', 'nope');
		expect(error).toBeInstanceOf(Error);
		expect(error.status).toBe(403);
		expect(error.message).toBe('nope');
		expect(error.toResponse()).toEqual({ error: 'forbidden_ip', message: 'This address is not allowed to send to this webhook' });
		// A payload problem is the sender's to fix: it gets the detail, unless told otherwise.
		expect(new DeliveryError('bad_payload', '[1].uuid: required').toResponse().message).toBe('[1].uuid: required');
		expect(new DeliveryError('bad_payload', 'nests 40 levels', 'too deep').toResponse().message).toBe('too deep');
		expect(new DeliveryError('payload_too_large', 'x').status).toBe(413);
		expect(new DeliveryError('bad_payload', 'x').status).toBe(400);
		expect(new DeliveryError('not_configured', 'x').status).toBe(401);
	});
});
