import { EventWebhookTrigger } from '../../nodes/EventWebhookTrigger/EventWebhookTrigger.node';
import { expectRejected, post, received } from './helpers';

const node = new EventWebhookTrigger();
const KEY = 'evt-key-0123456789abcdef';
const credentials = { eventWebhookApi: { apiKey: KEY, previousApiKey: 'evt-key-previous-0000000' } };
const envelope = { event_time: '2026-11-24T10:15:30+01:00', event_type: 'user.created', current_context: { tenant: 't1' }, data: { id: 42 } };

describe('Event Webhook Trigger in a real workflow', () => {
	it('accepts the envelope with x-api-key and normalises event_time to ISO-8601 UTC', async () => {
		const [item] = received(await post(node, {}, { body: envelope, headers: { 'x-api-key': KEY } }, credentials));
		expect(item).toMatchObject({ event_type: 'user.created', event_time: '2026-11-24T09:15:30.000Z', current_context: { tenant: 't1' }, data: { id: 42 } });
		expect(item.meta).toMatchObject({ vendor: 'event-webhook', eventType: 'user.created', verified: true, originalEventTime: envelope.event_time });
	});

	it.each([
		[1764000000, '2025-11-24T16:00:00.000Z'],
		[1764000000123, '2025-11-24T16:00:00.123Z'],
		['1764000000', '2025-11-24T16:00:00.000Z'],
	])('normalises event_time %p', async (eventTime, iso) => {
		const [item] = received(await post(node, {}, { body: { ...envelope, event_time: eventTime }, headers: { authorization: `Bearer ${KEY}` } }, credentials));
		expect(item.event_time).toBe(iso);
	});

	it('accepts the previous key while rotating; rejects wrong and missing keys', async () => {
		const [item] = received(await post(node, {}, { body: envelope, headers: { 'x-api-key': 'evt-key-previous-0000000' } }, credentials));
		expect(item.meta.verification).toMatchObject({ keyIndex: 1 });
		expectRejected(await post(node, {}, { body: envelope, headers: { 'x-api-key': 'wrong' } }, credentials), 401, 'bad_api_key');
		expectRejected(await post(node, {}, { body: envelope }, credentials), 401, 'missing_header');
	});

	it('rejects a bad envelope with a precise reason', async () => {
		const noType = await post(node, {}, { body: { event_time: '2026-01-01T00:00:00Z' }, headers: { 'x-api-key': KEY } }, credentials);
		expectRejected(noType, 400, 'bad_payload');
		expect((noType.responseBody as { message: string }).message).toContain('event_type');
		expectRejected(await post(node, {}, { body: { ...envelope, event_time: 'yesterday' }, headers: { 'x-api-key': KEY } }, credentials), 400, 'bad_payload');
	});

	it('filters event types, with a trailing * as a prefix match', async () => {
		const parameters = { eventTypes: 'order.*, invoice.paid' };
		expect((await post(node, parameters, { body: envelope, headers: { 'x-api-key': KEY } }, credentials)).executed).toBe(false);
		expect(received(await post(node, parameters, { body: { ...envelope, event_type: 'order.shipped' }, headers: { 'x-api-key': KEY } }, credentials))).toHaveLength(1);
	});
});
