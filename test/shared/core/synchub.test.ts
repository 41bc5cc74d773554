import { createHmac } from 'node:crypto';

import { bodyFingerprint } from '../../../nodes/shared/hmac';
import { signStandardWebhook } from '../../../nodes/shared/standardWebhooks';
import { SYNCHUB_DEFAULT_HEADER, SYNCHUB_DEFAULT_SCHEME } from '../../../nodes/shared/n8n/hmacParameters';
import { receiveSynchub, type SynchubSettings } from '../../../nodes/SynchubTrigger/receive';
import { makeDelivery } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';

const SECRET = 'synchub-destination-secret-91ab';
const OLD_SECRET = 'synchub-old-secret-77cd';
const WHSEC = `whsec_${Buffer.from('synchub standard webhooks key!!!').toString('base64')}`;
const NOW_SEC = 1_714_558_831;
const clock = () => NOW_SEC * 1000;

const SYNC_OK = JSON.stringify({ event: 'sync_run_completed', runId: 'run-123', endpoint: 'customers', status: 'success', rows: 42 });
const SYNC_FAILED = JSON.stringify({ event: 'sync_run_completed', runId: 'run-124', endpoint: 'orders', status: 'failed', error: 'timeout' });
const INSIGHT = JSON.stringify({ type: 'insight_population_completed', success: true, insight: 'churn' });
const TEST_PAYLOAD = JSON.stringify({ event: 'sync_run_completed', endpoint: 'customers', status: 'failed', test: true });

const hmac = (algorithm: string, secret: string, message: string | Buffer, encoding: 'hex' | 'base64') =>
	createHmac(algorithm, secret).update(message).digest(encoding);

const hmacMode = (overrides: Partial<Extract<SynchubSettings['verification'], { mode: 'hmac' }>> = {}): SynchubSettings => ({
	verification: { mode: 'hmac', secrets: [SECRET], scheme: SYNCHUB_DEFAULT_SCHEME, signatureHeader: SYNCHUB_DEFAULT_HEADER, toleranceSec: 300, ...overrides },
});
const autoMode = (secrets = [SECRET]): SynchubSettings => ({ verification: { mode: 'auto', secrets, toleranceSec: 300 } });

describe('receiveSynchub: configured HMAC', () => {
	it('accepts the default scheme (hex HMAC-SHA256 of the raw body)', () => {
		const delivery = makeDelivery(SYNC_OK, { 'X-Synchub-Signature': hmac('sha256', SECRET, SYNC_OK, 'hex') });
		const { items, ignored } = receiveSynchub(delivery, hmacMode(), clock);
		expect(ignored).toBe(0);
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ runId: 'run-123', endpoint: 'customers', rows: 42 });
		expect(items[0].meta).toMatchObject({
			vendor: 'synchub',
			eventType: 'sync_run_completed',
			dedupKey: 'syncRunCompleted:run-123',
			verified: true,
			kind: 'syncRunCompleted',
			outcome: 'success',
			isTest: false,
			verification: { method: 'hmac', header: 'x-synchub-signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body', secretIndex: 0 },
		});
	});

	it('accepts a previous secret', () => {
		const delivery = makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha256', OLD_SECRET, SYNC_OK, 'hex') });
		expect(receiveSynchub(delivery, hmacMode({ secrets: [SECRET, OLD_SECRET] }), clock).items[0].meta.verification).toMatchObject({ secretIndex: 1 });
	});

	it('rejects a wrong secret, a changed body, and a missing header', () => {
		const wrong = makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha256', 'nope-nope-nope', SYNC_OK, 'hex') });
		expectDeliveryError(() => receiveSynchub(wrong, hmacMode(), clock), 'bad_signature', [SECRET]);
		const changed = makeDelivery(SYNC_OK.replace('42', '43'), { 'x-synchub-signature': hmac('sha256', SECRET, SYNC_OK, 'hex') });
		expectDeliveryError(() => receiveSynchub(changed, hmacMode(), clock), 'bad_signature', [SECRET]);
		const missing = expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK), hmacMode(), clock), 'missing_header', [SECRET]);
		expect(missing.message).toContain('x-synchub-signature');
	});

	it('fails closed without a secret', () => {
		const delivery = makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha256', '', SYNC_OK, 'hex') });
		expectDeliveryError(() => receiveSynchub(delivery, hmacMode({ secrets: [''] }), clock), 'not_configured');
	});

	it('verifies a signed timestamp and enforces the window both ways', () => {
		const scheme = { algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', signedContent: 'timestamp.body' } as const;
		const settings = hmacMode({ scheme, signatureHeader: 'x-sig', timestampHeader: 'x-sig-timestamp' });
		const at = (ts: number) =>
			makeDelivery(SYNC_OK, { 'x-sig': `sha512=${hmac('sha512', SECRET, `${ts}.${SYNC_OK}`, 'base64')}`, 'x-sig-timestamp': String(ts) });
		expect(receiveSynchub(at(NOW_SEC - 300), settings, clock).items[0].meta.verification).toMatchObject({ signedContent: 'timestamp.body' });
		expectDeliveryError(() => receiveSynchub(at(NOW_SEC - 301), settings, clock), 'stale_timestamp', [SECRET]);
		expectDeliveryError(() => receiveSynchub(at(NOW_SEC + 301), settings, clock), 'future_timestamp', [SECRET]);
		const noTs = makeDelivery(SYNC_OK, { 'x-sig': `sha512=${hmac('sha512', SECRET, `${NOW_SEC}.${SYNC_OK}`, 'base64')}` });
		expect(expectDeliveryError(() => receiveSynchub(noTs, settings, clock), 'missing_header').message).toContain('x-sig-timestamp');
	});
});

describe('receiveSynchub: Standard Webhooks mode', () => {
	const settings: SynchubSettings = { verification: { mode: 'standardWebhooks', secrets: [WHSEC], toleranceSec: 300 } };

	it('accepts a signed request', () => {
		const headers = signStandardWebhook({ secret: WHSEC, body: Buffer.from(SYNC_OK), timestamp: NOW_SEC, id: 'msg_1' });
		const { items, replay } = receiveSynchub(makeDelivery(SYNC_OK, headers), settings, clock);
		expect(items[0].meta.verification).toEqual({ method: 'standardWebhooks', header: 'webhook-signature', secretIndex: 0, messageId: 'msg_1' });
		// The sender's message id is the dedup key, and identifies a retry of the same message.
		expect(items[0].meta.dedupKey).toBe('msg_1');
		// A copy is the same id, time and body, however the signature header is spelled.
		expect(replay).toEqual({ messageId: 'msg_1', request: `msg_1\n${NOW_SEC}\n${bodyFingerprint(Buffer.from(SYNC_OK))}`, windowSec: 600 });
		const respelled = { ...headers, 'webhook-signature': `v1,${Buffer.from(headers['webhook-signature'].slice(3), 'base64').toString('base64url')} v1,AAAA` };
		expect(receiveSynchub(makeDelivery(SYNC_OK, respelled), settings, clock).replay).toEqual(replay);
	});

	it('rejects a stale request, a wrong secret, and a missing id', () => {
		const stale = signStandardWebhook({ secret: WHSEC, body: Buffer.from(SYNC_OK), timestamp: NOW_SEC - 301, id: 'msg_1' });
		expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK, stale), settings, clock), 'stale_timestamp', [WHSEC]);
		const otherKey = `whsec_${Buffer.from('another standard webhooks key!!!').toString('base64')}`;
		const forged = signStandardWebhook({ secret: otherKey, body: Buffer.from(SYNC_OK), timestamp: NOW_SEC, id: 'msg_1' });
		expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK, forged), settings, clock), 'bad_signature', [WHSEC, otherKey]);
		const noId: Record<string, string> = signStandardWebhook({ secret: WHSEC, body: Buffer.from(SYNC_OK), timestamp: NOW_SEC });
		delete noId['webhook-id'];
		expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK, noId), settings, clock), 'missing_header');
	});
});

describe('receiveSynchub: auto-detect', () => {
	it('finds base64 HMAC-SHA512 with a sha512= prefix in x-signature and reports it', () => {
		const delivery = makeDelivery(SYNC_OK, { 'x-signature': `sha512=${hmac('sha512', SECRET, SYNC_OK, 'base64')}` });
		const { items } = receiveSynchub(delivery, autoMode(), clock);
		expect(items[0].meta.verified).toBe(true);
		expect(items[0].meta.verification).toEqual({
			method: 'hmac',
			detected: true,
			header: 'x-signature',
			algorithm: 'sha512',
			encoding: 'base64',
			prefix: 'sha512=',
			signedContent: 'body',
			timestampHeader: undefined,
			secretIndex: 0,
		});
	});

	it('finds GitHub-style sha256= hex in x-hub-signature-256', () => {
		const delivery = makeDelivery(SYNC_OK, { 'X-Hub-Signature-256': `sha256=${hmac('sha256', SECRET, SYNC_OK, 'hex')}` });
		expect(receiveSynchub(delivery, autoMode(), clock).items[0].meta.verification).toMatchObject({
			header: 'x-hub-signature-256',
			algorithm: 'sha256',
			encoding: 'hex',
			prefix: 'sha256=',
		});
	});

	it('finds a timestamp.body signature and its timestamp header', () => {
		const delivery = makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha1', SECRET, `${NOW_SEC}.${SYNC_OK}`, 'hex'), 'x-synchub-timestamp': String(NOW_SEC) });
		expect(receiveSynchub(delivery, autoMode(), clock).items[0].meta.verification).toMatchObject({
			algorithm: 'sha1',
			signedContent: 'timestamp.body',
			timestampHeader: 'x-synchub-timestamp',
		});
		const stale = makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha1', SECRET, `${NOW_SEC - 999}.${SYNC_OK}`, 'hex'), 'x-synchub-timestamp': String(NOW_SEC - 999) });
		expectDeliveryError(() => receiveSynchub(stale, autoMode(), clock), 'stale_timestamp', [SECRET]);
	});

	it('recognises Standard Webhooks', () => {
		const headers = signStandardWebhook({ secret: WHSEC, body: Buffer.from(SYNC_OK), timestamp: NOW_SEC, id: 'msg_2' });
		expect(receiveSynchub(makeDelivery(SYNC_OK, headers), autoMode([WHSEC]), clock).items[0].meta.verification).toEqual({
			method: 'standardWebhooks',
			header: 'webhook-signature',
			detected: true,
			messageId: 'msg_2',
			secretIndex: 0,
		});
	});

	it('still fails with the wrong secret', () => {
		const delivery = makeDelivery(SYNC_OK, { 'x-signature': `sha512=${hmac('sha512', SECRET, SYNC_OK, 'base64')}` });
		expectDeliveryError(() => receiveSynchub(delivery, autoMode(['a-different-secret-123']), clock), 'bad_signature', [SECRET, 'a-different-secret-123']);
		const headers = signStandardWebhook({ secret: WHSEC, body: Buffer.from(SYNC_OK), timestamp: NOW_SEC, id: 'msg_2' });
		const otherKey = `whsec_${Buffer.from('another standard webhooks key!!!').toString('base64')}`;
		expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK, headers), autoMode([otherKey]), clock), 'bad_signature', [WHSEC, otherKey]);
	});

	it('needs a signature header and a secret', () => {
		expect(expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK), autoMode(), clock), 'missing_header').message).toContain('x-synchub-signature');
		const delivery = makeDelivery(SYNC_OK, { 'x-signature': hmac('sha256', SECRET, SYNC_OK, 'hex') });
		expectDeliveryError(() => receiveSynchub(delivery, autoMode(['']), clock), 'not_configured');
	});

	it('a v1, HMAC in webhook-signature with webhook-id but no timestamp (not Standard Webhooks) is still found as a plain HMAC', () => {
		const headers = { 'webhook-id': 'msg_1', 'webhook-signature': `v1,${hmac('sha256', SECRET, SYNC_OK, 'base64')}` };
		expect(receiveSynchub(makeDelivery(SYNC_OK, headers), autoMode(), clock).items[0].meta.verification).toMatchObject({
			method: 'hmac',
			detected: true,
			header: 'webhook-signature',
			prefix: 'v1,',
			encoding: 'base64',
			secretIndex: 0,
		});
	});

	it('a stale timestamp header is refused before signature headers are looked for', () => {
		expectDeliveryError(() => receiveSynchub(makeDelivery(SYNC_OK, { 'x-synchub-timestamp': String(NOW_SEC - 3600) }), autoMode(), clock), 'stale_timestamp');
	});

	it('redacts the signature headers when headers are included', () => {
		const signature = `sha512=${hmac('sha512', SECRET, SYNC_OK, 'base64')}`;
		const delivery = makeDelivery(SYNC_OK, { 'x-signature': signature, 'content-type': 'application/json' });
		const { items } = receiveSynchub(delivery, { ...autoMode(), includeHeaders: true }, clock);
		expect(items[0].meta.headers).toEqual({ 'x-signature': '[redacted]', 'content-type': 'application/json' });
	});
});

describe('receiveSynchub: review findings', () => {
	it('says when a timestamp header is checked but not covered by the signature', () => {
		const ts = String(NOW_SEC);
		const unsigned = receiveSynchub(
			makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha256', SECRET, SYNC_OK, 'hex'), 'x-synchub-timestamp': ts }),
			hmacMode({ timestampHeader: 'x-synchub-timestamp' }),
			clock,
		);
		expect(unsigned.items[0].meta.verification).toMatchObject({ timestampHeader: 'x-synchub-timestamp', timestampSigned: false });
		const signed = receiveSynchub(
			makeDelivery(SYNC_OK, { 'x-synchub-signature': hmac('sha256', SECRET, `${ts}.${SYNC_OK}`, 'hex'), 'x-synchub-timestamp': ts }),
			hmacMode({ timestampHeader: 'x-synchub-timestamp', scheme: { ...SYNCHUB_DEFAULT_SCHEME, signedContent: 'timestamp.body' } }),
			clock,
		);
		expect(signed.items[0].meta.verification).toMatchObject({ timestampSigned: true });
	});

	it('auto-detect finds the real signature among junk in every usual header, and still checks a signed timestamp', () => {
		const junk = ['ab'.repeat(20), 'cd'.repeat(32), 'ef'.repeat(64), Buffer.alloc(32, 7).toString('base64')].join(',');
		const headers: Record<string, string> = Object.fromEntries(
			['x-synchub-signature', 'x-signature', 'x-hub-signature-256', 'x-webhook-signature', 'signature'].map((name) => [name, junk]),
		);
		const ts = String(NOW_SEC - 10);
		headers['x-timestamp'] = ts;
		headers['x-hmac-signature'] = `sha512=${hmac('sha512', SECRET, `${ts}.${INSIGHT}`, 'base64')}`;
		const { items } = receiveSynchub(makeDelivery(INSIGHT, headers), autoMode(), clock);
		expect(items[0].meta.verification).toMatchObject({ header: 'x-hmac-signature', algorithm: 'sha512', signedContent: 'timestamp.body' });

		const staleTs = String(NOW_SEC - 3600);
		const stale = { ...headers, 'x-timestamp': staleTs, 'x-hmac-signature': `sha512=${hmac('sha512', SECRET, `${staleTs}.${INSIGHT}`, 'base64')}` };
		expectDeliveryError(() => receiveSynchub(makeDelivery(INSIGHT, stale), autoMode(), clock), 'stale_timestamp', [SECRET]);
	});
});

describe('receiveSynchub: classification and filters', () => {
	const none: SynchubSettings = { verification: { mode: 'none' } };

	it('reports unverified deliveries as such', () => {
		expect(receiveSynchub(makeDelivery(SYNC_OK), none, clock).items[0].meta).toMatchObject({ verified: false, outcome: 'success' });
		expect(receiveSynchub(makeDelivery(SYNC_OK), none, clock).items[0].meta.verification).toBeUndefined();
	});

	it('filters on outcome', () => {
		expect(receiveSynchub(makeDelivery(SYNC_OK), { ...none, outcome: 'failure' }, clock)).toEqual({ items: [], ignored: 1 });
		expect(receiveSynchub(makeDelivery(SYNC_FAILED), { ...none, outcome: 'failure' }, clock).items[0].meta.outcome).toBe('failure');
		expect(receiveSynchub(makeDelivery(SYNC_FAILED), { ...none, outcome: 'success' }, clock)).toEqual({ items: [], ignored: 1 });
		expect(receiveSynchub(makeDelivery(SYNC_FAILED), { ...none, outcome: 'any' }, clock).items).toHaveLength(1);
		expect(receiveSynchub(makeDelivery(INSIGHT), { ...none, outcome: 'success' }, clock).items[0].meta.outcome).toBe('success');
	});

	it('lets the "Test payload" through the outcome filter', () => {
		const { items } = receiveSynchub(makeDelivery(TEST_PAYLOAD), { ...none, outcome: 'success' }, clock);
		expect(items).toHaveLength(1);
		expect(items[0].meta).toMatchObject({ isTest: true, outcome: 'failure' });
	});

	it('filters on kind', () => {
		expect(receiveSynchub(makeDelivery(INSIGHT), none, clock).items[0].meta.kind).toBe('insightPopulationCompleted');
		expect(receiveSynchub(makeDelivery(INSIGHT), { ...none, kinds: ['syncRunCompleted'] }, clock)).toEqual({ items: [], ignored: 1 });
		expect(receiveSynchub(makeDelivery(SYNC_OK), { ...none, kinds: ['syncRunCompleted'] }, clock).items).toHaveLength(1);
	});

	it('uses a body fingerprint as dedup key when there is no id', () => {
		const key = receiveSynchub(makeDelivery(INSIGHT), none, clock).items[0].meta.dedupKey;
		expect(key).toMatch(/^insightPopulationCompleted:[0-9a-f]{32}$/);
		expect(receiveSynchub(makeDelivery(INSIGHT), none, clock).items[0].meta.dedupKey).toBe(key);
	});

	it('rejects a non-object body', () => {
		expectDeliveryError(() => receiveSynchub(makeDelivery('[1,2]'), none, clock), 'bad_payload');
		expectDeliveryError(() => receiveSynchub(makeDelivery('nope'), none, clock), 'bad_payload');
	});
});
