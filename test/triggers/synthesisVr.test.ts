import { SynthesisVrTrigger } from '../../nodes/SynthesisVrTrigger/SynthesisVrTrigger.node';
import { expectRejected, post, received } from './helpers';

const node = new SynthesisVrTrigger();
const TOKEN = 'svr-0123456789abcdef-token';
const credentials = { synthesisVrWebhookApi: { token: TOKEN } };
const withToken = { authentication: 'token' };
const event = (uuid: string, action: string) => ({ uuid, action, location: 'Kamen Test', stations: 1, customerid: 7685 });
const batch = [event('41509791-3de8-5bb9-b4fc-a9753da95aad', 'create'), event('b2', 'delete'), event('c3', 'create')];

describe('SynthesisVR Trigger in a real workflow', () => {
	it('turns an array of 3 events into 3 items and acknowledges at once', async () => {
		const result = await post(node, withToken, { body: batch, query: { token: TOKEN } }, credentials);
		const items = received(result);
		expect(items).toHaveLength(3);
		expect(items[0]).toMatchObject({ uuid: batch[0].uuid, action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 });
		expect(items[0].meta).toMatchObject({
			vendor: 'synthesisvr',
			eventType: 'session.create',
			dedupKey: `${batch[0].uuid}:create`,
			verified: true,
			verification: { method: 'sharedToken', source: 'query' },
		});
		expect(Date.parse(items[0].meta.receivedAt)).not.toBeNaN();
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual({ received: true, accepted: 3, ignored: 0 });
	});

	it('accepts a single object as a one-event batch, with the token in a header', async () => {
		const result = await post(node, withToken, { body: batch[1], headers: { 'x-webhook-token': TOKEN } }, credentials);
		expect(received(result).map((item) => item.meta.dedupKey)).toEqual(['b2:delete']);
	});

	it('keeps unknown fields and unknown actions (SynthesisVR says more will come)', async () => {
		const body = [{ ...event('d4', 'extend'), minutes: 30 }];
		const items = received(await post(node, withToken, { body, query: { token: TOKEN } }, credentials));
		expect(items[0]).toMatchObject({ action: 'extend', minutes: 30 });
	});

	it('filters on action: removed events are acknowledged without an execution', async () => {
		const parameters = { ...withToken, actions: ['delete'] };
		const mixed = await post(node, parameters, { body: batch, query: { token: TOKEN } }, credentials);
		expect(received(mixed).map((item) => item.uuid)).toEqual(['b2']);
		expect(mixed.responseBody).toEqual({ received: true, accepted: 1, ignored: 2 });

		const none = await post(node, parameters, { body: [batch[0]], query: { token: TOKEN } }, credentials);
		expect(none.status).toBe(200);
		expect(none.responseBody).toEqual({ received: true, accepted: 0, ignored: 1 });
		expect(none.executed).toBe(false);
	});

	it('rejects a missing or wrong token with 401 and never echoes it', async () => {
		expectRejected(await post(node, withToken, { body: batch }, credentials), 401, 'missing_header');
		const wrong = await post(node, withToken, { body: batch, query: { token: 'nope' } }, credentials);
		expectRejected(wrong, 401, 'bad_token');
		expect(wrong.responseRawBody.toString()).not.toContain(TOKEN);
	});

	it('rejects malformed and invalid bodies with a path-precise 400', async () => {
		expectRejected(await post(node, withToken, { body: '[{"uuid":', query: { token: TOKEN }, headers: { 'content-type': 'text/plain' } }, credentials), 400, 'bad_payload');
		const invalid = await post(node, withToken, { body: [batch[0], { action: 'create' }], query: { token: TOKEN } }, credentials);
		expectRejected(invalid, 400, 'bad_payload');
		expect((invalid.responseBody as { message: string }).message).toMatch(/^\[1\]\.uuid: /);
	});

	it('enforces the IP allow-list with real CIDR matching (403)', async () => {
		const parameters = { authentication: 'none', options: { allowedIps: '203.0.113.0/24, 2001:db8::/32' } };
		expect(received(await post(node, parameters, { body: batch, ip: '203.0.113.77' }))).toHaveLength(3);
		expect(received(await post(node, parameters, { body: batch, ip: '::ffff:203.0.113.9' }))).toHaveLength(3);
		expect(received(await post(node, parameters, { body: batch, ip: '2001:db8:1::5' }))).toHaveLength(3);
		expectRejected(await post(node, parameters, { body: batch, ip: '203.0.114.1' }), 403, 'forbidden_ip');
		// Substring matching would let this one through.
		expectRejected(await post(node, parameters, { body: batch, ip: '203.0.113.770' }), 403, 'forbidden_ip');
	});

	it('fails closed when token authentication is on but no token is configured', async () => {
		expectRejected(await post(node, withToken, { body: batch, query: { token: '' } }, { synthesisVrWebhookApi: { token: '' } }), 401, 'not_configured');
		expectRejected(await post(node, withToken, { body: batch, query: { token: TOKEN } }), 401, 'not_configured');
	});

	it('adds request headers on demand, with the token header redacted', async () => {
		const parameters = { ...withToken, options: { includeHeaders: true } };
		const result = await post(node, parameters, { body: batch, headers: { 'x-webhook-token': TOKEN, 'user-agent': 'SynthesisVR' } }, credentials);
		const meta = received(result)[0].meta;
		expect(meta.headers['user-agent']).toBe('SynthesisVR');
		expect(meta.headers['x-webhook-token']).toBe('[redacted]');
	});
});
