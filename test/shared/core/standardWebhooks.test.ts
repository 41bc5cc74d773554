import { normalizeHeaders } from '../../../nodes/shared/encoding';
import { createHmac } from 'node:crypto';

import {
	signStandardWebhook,
	STANDARD_WEBHOOKS_TOLERANCE_SEC,
	standardWebhooksKey,
	verifyStandardWebhook,
} from '../../../nodes/shared/standardWebhooks';
import { STANDARD_WEBHOOKS_VECTOR as V } from '../../vectors';
import { expectDeliveryError } from '../../vectors/deliveryError';

const body = Buffer.from(V.body, 'utf8');
const fixedClock = (offsetSec = 0) => () => (V.timestamp + offsetSec) * 1000;
const KEY_B64 = V.secret.slice('whsec_'.length);

/** Independent signature: node:crypto over `${id}.${timestamp}.${body}` with the decoded key. */
function independentSignature(secret: string, id: string, timestamp: number | string, raw: Buffer): string {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
	return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(raw).digest('base64')}`;
}

const vectorHeaders = (): Record<string, string> => ({
	'webhook-id': V.id,
	'webhook-timestamp': String(V.timestamp),
	'webhook-signature': V.signature,
});

describe('Standard Webhooks reference vector', () => {
	it('is reproduced independently with node:crypto', () => {
		expect(independentSignature(V.secret, V.id, V.timestamp, body)).toBe(V.signature);
	});

	it('signStandardWebhook produces the published signature', () => {
		expect(signStandardWebhook({ secret: V.secret, body, timestamp: V.timestamp, id: V.id })).toEqual(vectorHeaders());
	});

	it('verifyStandardWebhook accepts the published request with a fixed clock', () => {
		expect(verifyStandardWebhook({ headers: normalizeHeaders(vectorHeaders()), body, secrets: [V.secret], clock: fixedClock() })).toEqual({
			id: V.id,
			timestampSec: V.timestamp,
			secretIndex: 0,
		});
	});

	it('rejects the published request with the real clock (it is years old)', () => {
		expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(vectorHeaders()), body, secrets: [V.secret], clock: Date.now }), 'stale_timestamp', [V.secret, KEY_B64]);
	});

	it('looks headers up case-insensitively', () => {
		const headers = { 'Webhook-Id': V.id, 'WEBHOOK-TIMESTAMP': String(V.timestamp), 'Webhook-Signature': V.signature };
		expect(verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [V.secret], clock: fixedClock() }).secretIndex).toBe(0);
	});

	it('rejects a changed body, id or timestamp', () => {
		const run = (headers: Record<string, string>, raw = body) => () => verifyStandardWebhook({ headers: normalizeHeaders(headers), body: raw, secrets: [V.secret], clock: fixedClock() });
		expectDeliveryError(run(vectorHeaders(), Buffer.from('{"test":2432232314}')), 'bad_signature', [V.secret, KEY_B64]);
		expectDeliveryError(run({ ...vectorHeaders(), 'webhook-id': 'msg_other' }), 'bad_signature');
		expectDeliveryError(run({ ...vectorHeaders(), 'webhook-timestamp': String(V.timestamp + 1) }), 'bad_signature');
	});
});

describe('verifyStandardWebhook: signature header', () => {
	const verify = (signature: string, secrets = [V.secret]) =>
		verifyStandardWebhook({ headers: normalizeHeaders({ ...vectorHeaders(), 'webhook-signature': signature }), body, secrets, clock: fixedClock() });
	const otherSig = independentSignature('whsec_' + Buffer.from('another key of 24 bytes!').toString('base64'), V.id, V.timestamp, body);

	it('accepts a space-separated list where any entry matches', () => {
		expect(verify(`${otherSig} ${V.signature}`).secretIndex).toBe(0);
		expect(verify(`${V.signature} ${otherSig}`).secretIndex).toBe(0);
		expectDeliveryError(() => verify(`${otherSig} ${otherSig}`), 'bad_signature');
	});

	it('ignores v1a and unknown versions even when they carry the right digest', () => {
		const digest = V.signature.slice(3);
		expectDeliveryError(() => verify(`v1a,${digest}`), 'bad_signature');
		expectDeliveryError(() => verify(`v2,${digest}`), 'bad_signature');
		expectDeliveryError(() => verify(digest), 'bad_signature');
		expect(verify(`v1a,${digest} v2,${digest} ${V.signature}`).secretIndex).toBe(0);
	});

	it('accepts a previous secret during rotation and reports its index', () => {
		const newSecret = 'whsec_' + Buffer.from('the new secret key, 32 bytes!!!!').toString('base64');
		expect(verify(V.signature, [newSecret, V.secret]).secretIndex).toBe(1);
		expect(verify(V.signature, ['', V.secret]).secretIndex).toBe(1);
		expectDeliveryError(() => verify(V.signature, [newSecret]), 'bad_signature', [newSecret, V.secret]);
	});

	it('signs with the new secret after rotation, and a verifier with both accepts it at index 0', () => {
		const newSecret = 'whsec_' + Buffer.from('the new secret key, 32 bytes!!!!').toString('base64');
		const headers = signStandardWebhook({ secret: newSecret, body, timestamp: V.timestamp, id: V.id });
		expect(headers['webhook-signature']).toBe(independentSignature(newSecret, V.id, V.timestamp, body));
		expect(verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [newSecret, V.secret], clock: fixedClock() }).secretIndex).toBe(0);
	});
});

describe('verifyStandardWebhook: headers and timestamp', () => {
	it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a missing %s header and names it', (name) => {
		const headers: Record<string, string> = vectorHeaders();
		delete headers[name];
		const error = expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [V.secret], clock: fixedClock() }), 'missing_header', [V.secret, KEY_B64]);
		expect(error.message).toContain(name);
	});

	it('treats an empty header as missing', () => {
		const headers = { ...vectorHeaders(), 'webhook-signature': '   ' };
		expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [V.secret], clock: fixedClock() }), 'missing_header');
	});

	it.each(['abc', '1614265330.5', '-1614265330', '2021-02-25T15:02:10Z', '0x603'])('rejects a non-numeric timestamp %p', (timestamp) => {
		const headers = { ...vectorHeaders(), 'webhook-timestamp': timestamp };
		expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [V.secret], clock: fixedClock() }), 'bad_timestamp');
	});

	const at = (offsetSec: number, toleranceSec?: number) => {
		const timestamp = V.timestamp + offsetSec;
		const headers = {
			'webhook-id': V.id,
			'webhook-timestamp': String(timestamp),
			'webhook-signature': independentSignature(V.secret, V.id, timestamp, body),
		};
		return () => verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [V.secret], clock: fixedClock(), toleranceSec });
	};

	it('defaults to a ±300 s window, boundary included', () => {
		expect(STANDARD_WEBHOOKS_TOLERANCE_SEC).toBe(300);
		expect(at(-300)().timestampSec).toBe(V.timestamp - 300);
		expect(at(300)().timestampSec).toBe(V.timestamp + 300);
		expectDeliveryError(at(-301), 'stale_timestamp', [V.secret]);
		expectDeliveryError(at(301), 'future_timestamp', [V.secret]);
	});

	it('honours a custom tolerance and 0 = off', () => {
		expectDeliveryError(at(-61, 60), 'stale_timestamp');
		expect(at(-60, 60)().secretIndex).toBe(0);
		expect(at(-100_000, 0)().secretIndex).toBe(0);
	});
});

describe('Standard Webhooks secrets', () => {
	it('accepts the secret without the whsec_ prefix', () => {
		expect(standardWebhooksKey(KEY_B64)).toEqual(Buffer.from(KEY_B64, 'base64'));
		expect(verifyStandardWebhook({ headers: normalizeHeaders(vectorHeaders()), body, secrets: [KEY_B64], clock: fixedClock() }).secretIndex).toBe(0);
		expect(signStandardWebhook({ secret: KEY_B64, body, timestamp: V.timestamp, id: V.id })['webhook-signature']).toBe(V.signature);
	});

	it.each(['whsec_not base64!!', 'whsec_', 'whsec_abcde', 'plain text secret'])('an invalid secret %p is not_configured and is never echoed', (secret) => {
		expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(vectorHeaders()), body, secrets: [secret], clock: fixedClock() }), 'not_configured', [secret.replace(/^whsec_/, '')]);
		expectDeliveryError(() => signStandardWebhook({ secret, body, timestamp: V.timestamp }), 'not_configured', [secret.replace(/^whsec_/, '')]);
	});

	it('fails closed with no secret', () => {
		expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(vectorHeaders()), body, secrets: [], clock: fixedClock() }), 'not_configured');
		expectDeliveryError(() => verifyStandardWebhook({ headers: normalizeHeaders(vectorHeaders()), body, secrets: ['', '  '], clock: fixedClock() }), 'not_configured');
	});

	it('generates a msg_ id when none is given, and floors fractional timestamps', () => {
		const headers = signStandardWebhook({ secret: V.secret, body, timestamp: V.timestamp + 0.9 });
		expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(headers['webhook-timestamp']).toBe(String(V.timestamp));
		expect(verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: [V.secret], clock: fixedClock() }).id).toBe(headers['webhook-id']);
	});
});
