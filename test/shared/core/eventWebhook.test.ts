import { normaliseEventTime } from '../../../nodes/EventWebhookTrigger/schema';
import { type EventWebhookSettings, receiveEventWebhook } from '../../../nodes/EventWebhookTrigger/receive';
import { matchesEventType } from '../../../nodes/shared/delivery';
import { EVENT_WEBHOOK_BODY } from '../../vectors';
import { makeDelivery } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';

const KEY = 'evt-api-key-8b7a6c5d4e';
const OLD_KEY = 'evt-api-key-old-0f1e2d';
const withKey: EventWebhookSettings = { apiKey: { keys: [KEY], headerName: 'x-api-key' } };
const bodyWith = (event_time: unknown, event_type = 'user.created') => JSON.stringify({ event_time, event_type, current_context: null, data: { id: 1 } });

describe('receiveEventWebhook', () => {
	it('accepts the envelope with x-api-key', () => {
		const { items } = receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { 'x-api-key': KEY }), withKey);
		expect(items[0]).toMatchObject({ event_type: 'user.created', event_time: '2024-05-01T10:20:30.000Z', current_context: { tenant: 't-1' }, data: { id: 17 } });
		expect(items[0].meta).toMatchObject({
			vendor: 'event-webhook',
			eventType: 'user.created',
			verified: true,
			verification: { method: 'apiKey', source: 'header', keyIndex: 0 },
			originalEventTime: '2024-05-01T10:20:30.000Z',
		});
		expect(items[0].meta.dedupKey).toMatch(/^user\.created:[0-9a-f]{32}$/);
	});

	it('accepts Authorization: Bearer and a rotated key', () => {
		expect(receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { Authorization: `Bearer ${KEY}` }), withKey).items[0].meta.verification).toMatchObject({ source: 'bearer' });
		const rotated: EventWebhookSettings = { apiKey: { keys: [KEY, OLD_KEY], headerName: 'x-api-key' } };
		expect(receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { 'x-api-key': OLD_KEY }), rotated).items[0].meta.verification).toMatchObject({ keyIndex: 1 });
	});

	it('rejects a wrong or missing key without echoing it', () => {
		expectDeliveryError(() => receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { 'x-api-key': OLD_KEY }), withKey), 'bad_api_key', [KEY, OLD_KEY]);
		expectDeliveryError(() => receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { authorization: `Bearer ${OLD_KEY}` }), withKey), 'bad_api_key', [KEY, OLD_KEY]);
		const missing = expectDeliveryError(() => receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY), withKey), 'missing_header', [KEY]);
		expect(missing.message).toContain('x-api-key');
		expect(missing.message).toContain('Authorization: Bearer');
		expectDeliveryError(() => receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { 'x-api-key': KEY }), { apiKey: { keys: [], headerName: 'x-api-key' } }), 'not_configured');
	});

	it('redacts the key header when headers are included', () => {
		const settings: EventWebhookSettings = { apiKey: { keys: [KEY], headerName: 'x-tenant-key' }, includeHeaders: true };
		const { items } = receiveEventWebhook(makeDelivery(EVENT_WEBHOOK_BODY, { 'x-tenant-key': KEY, accept: '*/*' }), settings);
		expect(items[0].meta.headers).toEqual({ 'x-tenant-key': '[redacted]', accept: '*/*' });
	});

	it.each([
		['ISO with offset', '2024-05-01T12:20:30+02:00', '2024-05-01T10:20:30.000Z'],
		['ISO UTC', '2024-05-01T10:20:30.000Z', '2024-05-01T10:20:30.000Z'],
		['unix seconds', 1714558830, '2024-05-01T10:20:30.000Z'],
		['unix milliseconds', 1714558830123, '2024-05-01T10:20:30.123Z'],
		['numeric string seconds', '1714558830', '2024-05-01T10:20:30.000Z'],
		['numeric string milliseconds', '1714558830123', '2024-05-01T10:20:30.123Z'],
	])('normalises event_time given as %s', (_label, value, iso) => {
		const { items } = receiveEventWebhook(makeDelivery(bodyWith(value)), {});
		expect(items[0].event_time).toBe(iso);
		expect(items[0].meta.originalEventTime).toBe(value);
	});

	it.each([['yesterday'], ['version 2'], ['hello 2020'], ['March 7'], ['2024-13-45T10:00:00Z'], [''], [true], [null], [{}], [1e20]])(
		'rejects event_time %p as bad_payload',
		(value) => {
			const error = expectDeliveryError(() => receiveEventWebhook(makeDelivery(bodyWith(value)), {}), 'bad_payload');
			expect(error.message).toMatch(/^event_time/);
		},
	);

	it('requires all four documented keys; current_context and data may hold any value, null too', () => {
		const event = { event_time: 1714558830, event_type: 'user.created', current_context: { tenant: 't' }, data: { id: 1 } };
		for (const key of Object.keys(event) as Array<keyof typeof event>) {
			const without = Object.fromEntries(Object.entries(event).filter(([k]) => k !== key));
			expect(expectDeliveryError(() => receiveEventWebhook(makeDelivery(JSON.stringify(without)), {}), 'bad_payload').message).toBe(`${key}: required`);
		}
		expect(receiveEventWebhook(makeDelivery(JSON.stringify({ ...event, current_context: null, data: 0 })), {}).items).toHaveLength(1);
	});

	it('rejects a missing event_type', () => {
		expect(expectDeliveryError(() => receiveEventWebhook(makeDelivery('{"event_time":1714558830}'), {}), 'bad_payload').message).toContain('event_type');
	});

	it('filters event types exactly or by a `*` prefix', () => {
		const delivery = makeDelivery(EVENT_WEBHOOK_BODY);
		expect(receiveEventWebhook(delivery, { eventTypes: ['user.*'] }).items).toHaveLength(1);
		expect(receiveEventWebhook(delivery, { eventTypes: ['user.created'] }).items).toHaveLength(1);
		expect(receiveEventWebhook(delivery, { eventTypes: ['user.deleted', 'order.*'] })).toEqual({ items: [], ignored: 1 });
		expect(receiveEventWebhook(delivery, { eventTypes: ['User.*'] })).toEqual({ items: [], ignored: 1 });
		expect(matchesEventType(['*'], 'anything')).toBe(true);
		expect(matchesEventType([], 'anything')).toBe(true);
		expect(matchesEventType(['user'], 'user.created')).toBe(false);
	});

	it('normaliseEventTime returns undefined for non-dates', () => {
		expect(normaliseEventTime('not a date')).toBeUndefined();
		expect(normaliseEventTime(Number.NaN)).toBeUndefined();
	});
});
