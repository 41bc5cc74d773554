import { RoomleTrigger } from '../../nodes/RoomleTrigger/RoomleTrigger.node';
import { createRoomleToken } from '../../nodes/shared/roomleToken';
import { expectRejected, post, received } from './helpers';

const node = new RoomleTrigger();
const SECRET = 'a-Secr3t_Str1ng!';
const API_KEY = 'aValidApiKey';
const credentials = { roomleWebhookApi: { apiKey: API_KEY, secret: SECRET } };
const share = {
	event: 'email.shareConfiguration',
	data: { success: true, email: 'buyer@example.com', configurationId: 'usm:frame:ABC123', configuratorId: 'demoConfigurator', url: 'https://roomle.example/c/ABC123' },
};
const token = (extra: Partial<Parameters<typeof createRoomleToken>[0]> = {}) =>
	createRoomleToken({ secret: SECRET, apiKey: API_KEY, sessionToken: 'aSessionToken', ...extra });

describe('Roomle Trigger in a real workflow', () => {
	it('verifies a 02 (ECB) token and hands over the email event, answering after the workflow', async () => {
		const result = await post(node, {}, { body: share, headers: { token: token() } }, credentials);
		const [item] = received(result);
		expect(item).toMatchObject(share);
		expect(item.meta).toMatchObject({ vendor: 'roomle', eventType: 'email.shareConfiguration', verified: true, verification: { method: 'roomleToken', algorithm: '02', anonymous: false } });
		expect(JSON.stringify(item.meta)).not.toContain('aSessionToken');
		expect(result.status).toBe(200);
	});

	it.each([
		['zero', 'auto'],
		['key', 'auto'],
		['prefixed', 'prefixed'],
	] as const)('verifies a 01 (CBC) token with the %s IV (IV setting %s) and records it', async (iv, cbcIv) => {
		const [item] = received(await post(node, { cbcIv }, { body: share, headers: { token: token({ algorithm: '01', iv }) } }, credentials));
		expect(item.meta.verification).toMatchObject({ algorithm: '01', iv });
	});

	it('refuses an IV-prefixed 01 token unless the node is set to accept one', async () => {
		expectRejected(await post(node, {}, { body: share, headers: { token: token({ algorithm: '01', iv: 'prefixed' }) } }, credentials), 401, 'bad_token');
	});

	it('in fallback mode, a failed workflow answers non-2xx so Roomle sends its own email', async () => {
		const result = await post(node, { respond: 'lastNode' }, { body: share, headers: { token: token() } }, credentials, 'fail');
		expect(result.executed).toBe(true);
		expect(result.status).toBeGreaterThanOrEqual(300);
	});

	it('in immediate mode, answers 200 with a summary before the workflow runs', async () => {
		const result = await post(node, { respond: 'onReceived' }, { body: share, headers: { token: token() } }, credentials, 'fail');
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual({ received: true, accepted: 1, ignored: 0 });
	});

	it('gives one generic answer for every bad token', async () => {
		const stale = token({ date: new Date(Date.now() - 10 * 60_000) });
		const wrongKey = createRoomleToken({ secret: SECRET, apiKey: 'someoneElse' });
		const otherSecret = createRoomleToken({ secret: 'Another-16-bytes', apiKey: API_KEY });
		const flipped = token().replace(/.(==)?$/, (last) => (last[0] === 'A' ? 'B' : 'A') + last.slice(1));
		const answers = [];
		for (const bad of [stale, wrongKey, otherSecret, flipped, '02-not*base64', '03-AAAA']) {
			const result = await post(node, {}, { body: share, headers: { token: bad } }, credentials);
			expectRejected(result, 401, 'bad_token');
			answers.push(JSON.stringify(result.responseBody));
		}
		expect(new Set(answers).size).toBe(1);
		expectRejected(await post(node, {}, { body: share }, credentials), 401, 'missing_header');
	});

	it('reads the token from a configured header name', async () => {
		const parameters = { headerName: 'x-roomle-token' };
		expect(received(await post(node, parameters, { body: share, headers: { 'x-roomle-token': token() } }, credentials))).toHaveLength(1);
	});

	it('filters events with 200, so Roomle does not send its email for them', async () => {
		const result = await post(node, { events: ['email.3DExportAsset'] }, { body: share, headers: { token: token() } }, credentials);
		expect(result.status).toBe(200);
		expect(result.executed).toBe(false);
	});

	it('fails closed with a wrong-sized secret or no credential', async () => {
		expectRejected(await post(node, {}, { body: share, headers: { token: token() } }, { roomleWebhookApi: { apiKey: API_KEY, secret: 'short' } }), 401, 'not_configured');
		expectRejected(await post(node, {}, { body: share, headers: { token: token() } }), 401, 'not_configured');
	});
});
