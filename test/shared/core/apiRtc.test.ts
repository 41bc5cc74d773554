import { receiveApiRtc, type ApiRtcSettings } from '../../../nodes/ApiRtcTrigger/receive';
import { APIRTC_CONVERSATION_BODY, APIRTC_MEDIA_BODY, APIRTC_SMSMESSAGE_BODY, APIRTC_TICKET_BODY } from '../../vectors';
import { makeDelivery } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';

const HEADER_VALUE = 'apirtc-custom-header-secret-3f2e';
const withHeader: ApiRtcSettings = { secretHeader: { name: 'X-Hook-Secret', value: HEADER_VALUE } };
const apizeeHeaders = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/JSON', 'user-agent': 'Cloud Apizee', ...extra });

describe('receiveApiRtc', () => {
	it.each([
		['ticket', APIRTC_TICKET_BODY, 'ticket.update', 'ticket:100:update:1575976413:invited'],
		['media', APIRTC_MEDIA_BODY, 'media.create', 'media:5512:create:1575976500:completed'],
		['conversation', APIRTC_CONVERSATION_BODY, 'conversation.update', 'conversation:734e3a7b-eb17-4d3f-901d-bcff178b:update:1632144306:conversationEnded'],
		['smsmessage', APIRTC_SMSMESSAGE_BODY, 'smsmessage.delete', 'smsmessage:sms-77:delete:1575976600:'],
	])('types a %s event', (_object, body, eventType, dedupKey) => {
		const { items, ignored } = receiveApiRtc(makeDelivery(body, apizeeHeaders()), {});
		expect(ignored).toBe(0);
		expect(items).toHaveLength(1);
		expect(items[0].meta).toMatchObject({ vendor: 'apirtc', eventType, dedupKey, verified: false });
		expect(items[0].timeIso).toBe(new Date((items[0].time as number) * 1000).toISOString());
	});

	it('keeps documented props as sent', () => {
		expect(receiveApiRtc(makeDelivery(APIRTC_CONVERSATION_BODY), {}).items[0]).toMatchObject({
			objectId: '734e3a7b-eb17-4d3f-901d-bcff178b',
			props: { eventType: 'conversationEnded', name: 'TEST', finishedAt: '2021-09-20T13:25:06+00:00' },
			timeIso: '2021-09-20T13:25:06.000Z',
		});
		expect(receiveApiRtc(makeDelivery(APIRTC_MEDIA_BODY), {}).items[0].props).toEqual({ state: 'completed', _parent: { name: 'ticket', id: 100 } });
	});

	it('parses raw bytes whatever the content type says (application/JSON, none, text/plain)', () => {
		for (const headers of [apizeeHeaders(), {}, { 'content-type': 'text/plain' }]) {
			expect(receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, headers), {}).items).toHaveLength(1);
		}
	});

	it('rejects wrong event values with a precise message', () => {
		const body = APIRTC_TICKET_BODY.replace('"update"', '"created"');
		expect(expectDeliveryError(() => receiveApiRtc(makeDelivery(body), {}), 'bad_payload').message).toBe('event: expected "create" | "update" | "delete"');
		expectDeliveryError(() => receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY.replace('"ticket"', '"room"')), {}), 'bad_payload');
		expectDeliveryError(() => receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY.replace('1575976413', '"yesterday"')), {}), 'bad_payload');
		expectDeliveryError(() => receiveApiRtc(makeDelivery(''), {}), 'bad_payload');
	});

	describe('custom header', () => {
		it('accepts the right value (header name case-insensitive) and reports it', () => {
			const { items } = receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, apizeeHeaders({ 'x-hook-secret': HEADER_VALUE })), withHeader);
			expect(items[0].meta.verified).toBe(true);
			expect(items[0].meta.verification).toEqual({ method: 'customHeader', header: 'X-Hook-Secret' });
		});

		it('rejects a wrong value and a missing header, never echoing the value', () => {
			const wrong = expectDeliveryError(
				() => receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, apizeeHeaders({ 'x-hook-secret': 'guess' })), withHeader),
				'bad_token',
				[HEADER_VALUE],
			);
			expect(wrong.message).toContain('X-Hook-Secret');
			const missing = expectDeliveryError(() => receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, apizeeHeaders()), withHeader), 'missing_header', [HEADER_VALUE]);
			expect(missing.message).toContain('X-Hook-Secret');
		});

		it('fails closed when the header value is not configured', () => {
			expectDeliveryError(
				() => receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, { 'x-hook-secret': '' }), { secretHeader: { name: 'x-hook-secret', value: '' } }),
				'not_configured',
			);
		});

		it('redacts the custom header when headers are included', () => {
			const { items } = receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, apizeeHeaders({ 'X-Hook-Secret': HEADER_VALUE })), { ...withHeader, includeHeaders: true });
			expect(items[0].meta.headers).toEqual({ 'content-type': 'application/JSON', 'user-agent': 'Cloud Apizee', 'x-hook-secret': '[redacted]' });
			expect(JSON.stringify(items)).not.toContain(HEADER_VALUE);
		});
	});

	it('filters on object and event', () => {
		expect(receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY), { objects: ['media'] })).toEqual({ items: [], ignored: 1 });
		expect(receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY), { events: ['create', 'delete'] })).toEqual({ items: [], ignored: 1 });
		expect(receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY), { objects: ['ticket'], events: ['update'] }).items).toHaveLength(1);
		expect(receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY), { objects: [], events: [] }).items).toHaveLength(1);
	});

	it('enforces the IP allow-list with 403', () => {
		expectDeliveryError(() => receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, {}, { ip: '192.0.2.1' }), { allowedIps: '203.0.113.0/24' }), 'forbidden_ip');
		expect(receiveApiRtc(makeDelivery(APIRTC_TICKET_BODY, {}, { ip: '::ffff:203.0.113.9' }), { allowedIps: '203.0.113.0/24' }).items).toHaveLength(1);
	});
});
