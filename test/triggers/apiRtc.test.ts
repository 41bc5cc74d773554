import { ApiRtcTrigger } from '../../nodes/ApiRtcTrigger/ApiRtcTrigger.node';
import { expectRejected, post, received } from './helpers';

const node = new ApiRtcTrigger();
const credentials = { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'apirtc-shared-secret-42' } };
const auth = { 'x-webhook-secret': 'apirtc-shared-secret-42', 'user-agent': 'Cloud Apizee' };
// ApiRTC's documented content type, with its capital letters.
const APIZEE = { 'content-type': 'application/JSON', ...auth };
const ticket = { event: 'update', time: 1575976413, object: 'ticket', objectId: 100, props: { state: 'invited', geoloc: { lat: 47.866675, lng: -3.865805 } } };
const conversation = {
	event: 'update',
	time: 1632144306,
	object: 'conversation',
	objectId: '734e3a7b-eb17-4d3f-901d-bcff178b',
	props: { eventType: 'conversationEnded', name: 'TEST', finishedAt: '2021-09-20T13:25:06+00:00' },
};
const media = { event: 'create', time: 1575976500, object: 'media', objectId: 7, props: { state: 'completed', _parent: { name: 'ticket', id: 100 } } };
const sms = { event: 'create', time: 1575976600, object: 'smsmessage', objectId: 'sms_1', props: { to: '+33000000000' } };

describe('ApiRTC Trigger in a real workflow', () => {
	it.each([
		['ticket', ticket, 'ticket.update', 'ticket:100:update:1575976413:invited'],
		['conversation', conversation, 'conversation.update', 'conversation:734e3a7b-eb17-4d3f-901d-bcff178b:update:1632144306:conversationEnded'],
		['media', media, 'media.create', 'media:7:create:1575976500:completed'],
		['smsmessage', sms, 'smsmessage.create', 'smsmessage:sms_1:create:1575976600:'],
	])('parses a %s event sent as application/JSON', async (_name, body, eventType, dedupKey) => {
		const [item] = received(await post(node, {}, { body, headers: APIZEE }, credentials));
		expect(item).toMatchObject(body);
		expect(item.timeIso).toBe(new Date(body.time * 1000).toISOString());
		expect(item.meta).toMatchObject({ vendor: 'apirtc', eventType, dedupKey, verified: true });
	});

	it('parses the body whatever the content type says, or when there is none', async () => {
		for (const contentType of ['APPLICATION/JSON', 'text/plain', 'application/octet-stream']) {
			expect(received(await post(node, {}, { body: ticket, headers: { ...auth, 'content-type': contentType } }, credentials))).toHaveLength(1);
		}
	});

	it('rejects a missing or wrong custom header (401) without echoing the secret', async () => {
		expectRejected(await post(node, {}, { body: ticket, headers: { 'content-type': 'application/JSON' } }, credentials), 401, 'missing_header');
		const wrong = await post(node, {}, { body: ticket, headers: { ...APIZEE, 'x-webhook-secret': 'guess' } }, credentials);
		expectRejected(wrong, 401, 'bad_token');
		expect(wrong.responseRawBody.toString()).not.toContain('apirtc-shared-secret-42');
	});

	it('rejects an unknown event with a path-precise reason', async () => {
		const result = await post(node, {}, { body: { ...ticket, event: 'created' }, headers: APIZEE }, credentials);
		expectRejected(result, 400, 'bad_payload');
		expect((result.responseBody as { message: string }).message).toBe('event: expected "create" | "update" | "delete"');
	});

	it('filters on object and event', async () => {
		const onlyTickets = await post(node, { objects: ['ticket'], events: ['update'] }, { body: media, headers: APIZEE }, credentials);
		expect(onlyTickets.status).toBe(200);
		expect(onlyTickets.executed).toBe(false);
		expect(received(await post(node, { objects: ['ticket'], events: ['update'] }, { body: ticket, headers: APIZEE }, credentials))).toHaveLength(1);
	});

	it('fails closed when the credential has no secret', async () => {
		expectRejected(await post(node, {}, { body: ticket, headers: APIZEE }, { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: '' } }), 401, 'not_configured');
	});
});
