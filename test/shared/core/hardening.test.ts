// The pure pieces behind issue 9's classes: HTTP whitespace, integer timestamps, JSON limits,
// documented fields, rotation bookkeeping, auto-detect's timestamp rule and the replay cache.
import { createHmac } from 'node:crypto';

import { verifySharedSecret } from '../../../nodes/shared/apiKey';
import { decodeBase64, decodeHex, headerValue, normalizeHeaders, trimOws } from '../../../nodes/shared/encoding';
import { signatureCandidates } from '../../../nodes/shared/hmac';
import { ReplayCache } from '../../../nodes/shared/replay';
import { parseTimestamp, parseUnixSeconds } from '../../../nodes/shared/timestamps';
import { parseJsonBody } from '../../../nodes/shared/validation';
import { receiveApiRtc } from '../../../nodes/ApiRtcTrigger/receive';
import { receiveRoomle } from '../../../nodes/RoomleTrigger/receive';
import { receiveSynchub } from '../../../nodes/SynchubTrigger/receive';
import { makeDelivery } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';

/** The documented JSON nesting limit (README, Limits: 32 levels), stated here rather than read from the code. */
const MAX_JSON_DEPTH = 32;

describe('HTTP whitespace (RFC 9110 §5.5): spaces and tabs only', () => {
	it('trims SP and HTAB, keeps every other space', () => {
		expect(trimOws(' \t v \t ')).toBe('v');
		for (const space of ['\u00a0', '\u2003', '\u3000', '\ufeff', '\n', '\r', '\v', '\f']) {
			expect(trimOws(`${space}v${space}`)).toBe(`${space}v${space}`);
			expect(headerValue(normalizeHeaders({ 'x-key': `v${space}` }), 'x-key')).toBe(`v${space}`);
		}
	});

	it('does not decode a signature or timestamp with a Unicode space attached', () => {
		expect(decodeHex('abcd\u00a0')).toBeUndefined();
		expect(decodeBase64('q83v\u00a0')).toBeUndefined();
		expect(decodeHex('\tabcd ')?.toString('hex')).toBe('abcd');
		expectDeliveryError(() => parseTimestamp('1714558831\u00a0'), 'bad_timestamp');
		// A Unicode space is part of a value, not a separator between rotated signatures.
		expect(signatureCandidates('aa\u00a0bb', '')).toEqual(['aa\u00a0bb']);
	});

	it('refuses an API key or bearer token with a non-breaking space attached', () => {
		const check = (headers: Record<string, string>) => verifySharedSecret({ headers: normalizeHeaders(headers), headerName: 'x-api-key', allowBearer: true, keys: ['k-123456'] });
		expectDeliveryError(() => check({ 'x-api-key': 'k-123456\u00a0' }), 'bad_api_key', ['k-123456']);
		expectDeliveryError(() => check({ authorization: 'Bearer\u00a0k-123456' }), 'missing_header');
		expect(check({ authorization: 'Bearer \tk-123456' }).source).toBe('bearer');
	});
});

describe('Standard Webhooks timestamps: integer unix seconds only', () => {
	it.each(['1714558831.0', '1e9', '+1714558831', '-1', '2024-05-01T10:20:31Z', ' 1714558831', '', '1714558831\u00a0'])('refuses %p', (value) => {
		expectDeliveryError(() => parseUnixSeconds(value), 'bad_timestamp');
	});

	it('reads milliseconds as seconds, far in the future (then refused as such), unlike the lenient parser', () => {
		expect(parseUnixSeconds('1714558831000')).toBe(1714558831000);
		expect(parseTimestamp('1714558831000')).toBe(1714558831);
	});
});

describe('JSON bodies', () => {
	it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, brackets inside strings aside`, () => {
		const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
		expect(parseJsonBody(Buffer.from(nest(MAX_JSON_DEPTH)))).toBeDefined();
		expect(expectDeliveryError(() => parseJsonBody(Buffer.from(nest(MAX_JSON_DEPTH + 1))), 'bad_payload').callerMessage).toBe('The JSON body is nested too deeply');
		expect(parseJsonBody(Buffer.from(JSON.stringify({ text: '[[[[{{{{'.repeat(100), quote: '\\"[' })))).toBeDefined();
		expectDeliveryError(() => parseJsonBody(Buffer.from(nest(100_000))), 'bad_payload');
	});

	it('refuses bytes that are not UTF-8 (overlong, surrogate, truncated), accepts a byte order mark', () => {
		for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff]]) {
			const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bad), Buffer.from('"}')]);
			expect(expectDeliveryError(() => parseJsonBody(body), 'bad_payload').message).toBe('The body is not valid UTF-8');
		}
		expect(parseJsonBody(Buffer.from('\ufeff{"a":"é"}'))).toEqual({ a: 'é' });
	});

	it('refuses __proto__ and constructor.prototype keys at any depth, escaped or not; a plain "constructor" value is data', () => {
		for (const text of ['{"__proto__":{"x":1}}', '{"a":[{"b":{"__proto__":null}}]}', '{"\\u005f\\u005fproto__":1}', '{"constructor":{"prototype":{"x":1}}}']) {
			expect(expectDeliveryError(() => parseJsonBody(Buffer.from(text)), 'bad_payload').message).toBe('The body has a __proto__ or constructor.prototype key');
		}
		expect(parseJsonBody(Buffer.from('{"constructor":"Acme Builders","proto":1}'))).toEqual({ constructor: 'Acme Builders', proto: 1 });
	});
});

describe('fields every delivery documents are required', () => {
	it('Roomle: data', () => {
		expect(expectDeliveryError(() => receiveRoomle(makeDelivery('{"event":"email.shareConfiguration"}'), {}, Date.now), 'bad_payload').message).toBe('data: required');
	});

	it('ApiRTC: props', () => {
		const body = JSON.stringify({ event: 'update', time: 1575976413, object: 'ticket', objectId: 100 });
		expect(expectDeliveryError(() => receiveApiRtc(makeDelivery(body), {}), 'bad_payload').message).toBe('props: required');
	});
});

describe('rotation bookkeeping', () => {
	it('names the configured key that matched when the current one is blank', () => {
		const result = verifySharedSecret({ headers: normalizeHeaders({ 'x-api-key': 'previous-key-1' }), headerName: 'x-api-key', keys: ['', 'previous-key-1'] });
		expect(result.keyIndex).toBe(1);
		expectDeliveryError(() => verifySharedSecret({ headers: normalizeHeaders({ 'x-api-key': 'x' }), headerName: 'x-api-key', keys: ['', ''] }), 'not_configured');
	});
});

describe('SYNCHUB auto-detect: a timestamp header must be fresh whichever candidate matches', () => {
	const SECRET = 'synchub-auto-secret-1';
	const NOW = 1_714_558_831;
	const body = '{"event":"sync_run_completed","status":"success"}';
	const settings = { verification: { mode: 'auto' as const, secrets: [SECRET], toleranceSec: 300 } };
	const bodySignature = createHmac('sha256', SECRET).update(body).digest('hex');

	it.each([
		['stale', NOW - 301, 'stale_timestamp'],
		['future', NOW + 301, 'future_timestamp'],
		['unreadable', 'soon', 'bad_timestamp'],
	])('a %s timestamp is refused even when the body-only signature matches', (_label, timestamp, code) => {
		const delivery = makeDelivery(body, { 'x-signature': bodySignature, 'x-timestamp': String(timestamp) });
		expectDeliveryError(() => receiveSynchub(delivery, settings, () => NOW * 1000), code as 'stale_timestamp');
	});

	it('a fresh one passes, and the match is reported for pinning', () => {
		const delivery = makeDelivery(body, { 'x-signature': bodySignature, 'x-timestamp': String(NOW) });
		expect(receiveSynchub(delivery, settings, () => NOW * 1000).items[0].meta.verification).toMatchObject({ detected: true, header: 'x-signature', signedContent: 'body' });
	});
});

describe('ReplayCache', () => {
	it('remembers an identity per scope for its window only', () => {
		const cache = new ReplayCache(10);
		expect(cache.seenBefore('node-a', 'msg-1', 1000, 0)).toBe(false);
		expect(cache.seenBefore('node-a', 'msg-1', 1000, 999)).toBe(true);
		expect(cache.seenBefore('node-b', 'msg-1', 1000, 999)).toBe(false);
		expect(cache.seenBefore('node-a', 'msg-1', 1000, 1000)).toBe(false); // expired: recorded again
		expect(cache.seenBefore('node-a', 'msg-1', 1000, 1500)).toBe(true);
	});

	it('never holds more than its bound; expired and then oldest entries go first', () => {
		const cache = new ReplayCache(100);
		for (let i = 0; i < 1000; i++) cache.seenBefore('s', `id-${i}`, 60_000, i);
		expect(cache.size).toBe(100);
		expect(cache.seenBefore('s', 'id-999', 60_000, 1000)).toBe(true);
		expect(cache.seenBefore('s', 'id-0', 60_000, 1000)).toBe(false);
		// Once the window has passed, old entries are dropped as new ones come.
		cache.seenBefore('s', 'late', 1, 10_000_000);
		expect(cache.size).toBe(1);
	});
});
