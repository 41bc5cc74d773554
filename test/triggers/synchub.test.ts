import { createHmac } from 'node:crypto';

import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { signStandardWebhook } from '../../nodes/shared/standardWebhooks';
import { expectRejected, post, received } from './helpers';

const node = new SynchubTrigger();
const SECRET = 'synchub-destination-secret-1';
const OLD_SECRET = 'synchub-destination-secret-0';
const credentials = { synchubWebhookApi: { secret: SECRET, previousSecret: OLD_SECRET } };
const failedRun = JSON.stringify({ event: 'sync.run.completed', id: 'run_881', endpoint: 'customers', status: 'failed', error: 'timeout' });
const insight = JSON.stringify({ event: 'insight.population.completed', id: 'ins_12', insight: 'Revenue', success: true });
const hex = (secret: string, message: string) => createHmac('sha256', secret).update(message).digest('hex');
const now = () => String(Math.floor(Date.now() / 1000));

describe('SYNCHUB Trigger in a real workflow', () => {
	it('verifies the default scheme (HMAC-SHA256 hex of the raw body) and classifies a failed sync run', async () => {
		const result = await post(node, {}, { body: failedRun, headers: { 'x-synchub-signature': hex(SECRET, failedRun) } }, credentials);
		const [item] = received(result);
		expect(item).toMatchObject({ id: 'run_881', endpoint: 'customers', status: 'failed' });
		expect(item.meta).toMatchObject({
			vendor: 'synchub',
			eventType: 'sync.run.completed',
			kind: 'syncRunCompleted',
			outcome: 'failure',
			dedupKey: 'syncRunCompleted:run_881',
			verified: true,
			verification: { method: 'hmac', header: 'x-synchub-signature', algorithm: 'sha256', encoding: 'hex', secretIndex: 0 },
		});
	});

	it('accepts the previous secret during a rotation and says so', async () => {
		const [item] = received(await post(node, {}, { body: insight, headers: { 'x-synchub-signature': hex(OLD_SECRET, insight) } }, credentials));
		expect(item.meta.verification.secretIndex).toBe(1);
		expect(item.meta.kind).toBe('insightPopulationCompleted');
	});

	it('rejects a tampered body, a wrong secret and a missing header without an execution', async () => {
		const signature = hex(SECRET, failedRun);
		expectRejected(await post(node, {}, { body: failedRun.replace('failed', 'passed'), headers: { 'x-synchub-signature': signature } }, credentials), 401, 'bad_signature');
		expectRejected(await post(node, {}, { body: failedRun, headers: { 'x-synchub-signature': hex('wrong-secret', failedRun) } }, credentials), 401, 'bad_signature');
		expectRejected(await post(node, {}, { body: failedRun }, credentials), 401, 'missing_header');
	});

	it('checks a signed timestamp in both directions', async () => {
		const parameters = { signedContent: 'timestamp.body', timestampHeader: 'x-synchub-timestamp', signaturePrefix: 'sha256=', toleranceSeconds: 300 };
		const send = (ts: string) =>
			post(node, parameters, { body: failedRun, headers: { 'x-synchub-timestamp': ts, 'x-synchub-signature': `sha256=${hex(SECRET, `${ts}.${failedRun}`)}` } }, credentials);
		expect(received(await send(now()))).toHaveLength(1);
		expectRejected(await send(String(Number(now()) - 301)), 401, 'stale_timestamp');
		expectRejected(await send(String(Number(now()) + 301)), 401, 'future_timestamp');
		expectRejected(await post(node, parameters, { body: failedRun, headers: { 'x-synchub-signature': 'sha256=00' } }, credentials), 401, 'missing_header');
	});

	it('auto-detects an unknown scheme, still requiring the secret, and reports what matched', async () => {
		const signature = createHmac('sha512', SECRET).update(insight).digest('base64');
		const [item] = received(await post(node, { verification: 'auto' }, { body: insight, headers: { 'x-signature': `sha512=${signature}` } }, credentials));
		expect(item.meta.verification).toMatchObject({ method: 'hmac', detected: true, header: 'x-signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=' });

		const forged = createHmac('sha512', 'not-the-secret').update(insight).digest('base64');
		expectRejected(await post(node, { verification: 'auto' }, { body: insight, headers: { 'x-signature': forged } }, credentials), 401, 'bad_signature');
	});

	it('verifies Standard Webhooks deliveries', async () => {
		const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
		const headers = signStandardWebhook({ secret, body: Buffer.from(insight), timestamp: Date.now() / 1000, id: 'msg_1' });
		const result = await post(node, { verification: 'standardWebhooks' }, { body: insight, headers }, { synchubWebhookApi: { secret } });
		expect(received(result)[0].meta.verification).toMatchObject({ method: 'standardWebhooks' });
	});

	it('filters on outcome and kind, but always passes test payloads', async () => {
		const onlyFailures = { outcome: 'failure' };
		const ok = await post(node, onlyFailures, { body: insight, headers: { 'x-synchub-signature': hex(SECRET, insight) } }, credentials);
		expect(ok.executed).toBe(false);
		expect(ok.responseBody).toEqual({ received: true, accepted: 0, ignored: 1 });

		const testPayload = JSON.stringify({ event: 'sync.run.completed', test: true, status: 'success' });
		const test = await post(node, onlyFailures, { body: testPayload, headers: { 'x-synchub-signature': hex(SECRET, testPayload) } }, credentials);
		expect(received(test)[0].meta.isTest).toBe(true);

		const onlyInsights = await post(node, { events: ['insightPopulationCompleted'] }, { body: failedRun, headers: { 'x-synchub-signature': hex(SECRET, failedRun) } }, credentials);
		expect(onlyInsights.executed).toBe(false);
	});

	it('fails closed without a secret, and rejects a signed non-object body', async () => {
		expectRejected(await post(node, {}, { body: failedRun, headers: { 'x-synchub-signature': hex('', failedRun) } }, { synchubWebhookApi: { secret: '' } }), 401, 'not_configured');
		const array = '[1,2]';
		expectRejected(await post(node, {}, { body: array, headers: { 'x-synchub-signature': hex(SECRET, array) } }, credentials), 400, 'bad_payload');
	});
});
