import { receiveSynthesisVr, type SynthesisVrSettings } from '../../../nodes/SynthesisVrTrigger/receive';
import { SYNTHESISVR_BATCH_BODY, SYNTHESISVR_CREATE_BODY } from '../../vectors';
import { makeDelivery, RECEIVED_AT } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';

const TOKEN = 'svr-shared-token-5c1d9e';
const withToken: SynthesisVrSettings = { token: { value: TOKEN, headerName: 'x-synthesis-token', queryName: 'token' } };

describe('receiveSynthesisVr', () => {
	it('turns an array of 3 events into 3 items with uuid:action dedup keys', () => {
		const result = receiveSynthesisVr(makeDelivery(SYNTHESISVR_BATCH_BODY), {});
		expect(result.ignored).toBe(0);
		expect(result.items).toHaveLength(3);
		expect(result.items.map((item) => item.meta.dedupKey)).toEqual([
			'41509791-3de8-5bb9-b4fc-a9753da95aad:create',
			'41509791-3de8-5bb9-b4fc-a9753da95aad:delete',
			'0c6f1f57-7a43-4d35-9d4f-3f0d1c1e2b11:create',
		]);
		expect(result.items[0]).toMatchObject({ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 });
		expect(result.items[0].meta).toEqual({
			vendor: 'synthesisvr',
			eventType: 'session.create',
			dedupKey: '41509791-3de8-5bb9-b4fc-a9753da95aad:create',
			receivedAt: RECEIVED_AT.toISOString(),
			verified: false,
		});
	});

	it('parses the documented one-element array', () => {
		expect(receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY), {}).items).toHaveLength(1);
	});

	it('treats a single object as one event', () => {
		const result = receiveSynthesisVr(makeDelivery('{"uuid":"u-1","action":"delete","location":"L","stations":1,"customerid":null,"newField":true}'), {});
		expect(result.items).toHaveLength(1);
		expect(result.items[0]).toMatchObject({ uuid: 'u-1', action: 'delete', newField: true });
		expect(result.items[0].meta.dedupKey).toBe('u-1:delete');
	});

	it('accepts an unknown action unless filtered', () => {
		expect(receiveSynthesisVr(makeDelivery('{"uuid":"u-1","action":"checkin"}'), {}).items[0].meta.eventType).toBe('session.checkin');
		expect(receiveSynthesisVr(makeDelivery('{"uuid":"u-1","action":"checkin"}'), { actions: ['create', 'delete'] })).toEqual({ items: [], ignored: 1 });
	});

	it('filters on action and counts the ignored events', () => {
		const result = receiveSynthesisVr(makeDelivery(SYNTHESISVR_BATCH_BODY), { actions: ['create'] });
		expect(result.items.map((item) => item.action)).toEqual(['create', 'create']);
		expect(result.ignored).toBe(1);
	});

	it('names the bad element in an array', () => {
		const body = JSON.stringify([{ uuid: 'a', action: 'create', location: 'L', stations: 1, customerid: 7 }, { action: 'delete', location: 'L', stations: 1, customerid: 7 }]);
		expect(expectDeliveryError(() => receiveSynthesisVr(makeDelivery(body), {}), 'bad_payload').message).toContain('[1].uuid');
		expect(expectDeliveryError(() => receiveSynthesisVr(makeDelivery('{"action":"delete"}'), {}), 'bad_payload').message).toMatch(/^uuid/);
	});

	it('requires the documented session fields on create and delete events, not on future actions', () => {
		const event = { uuid: 'u-1', action: 'create', location: 'Room', stations: 2, customerid: 7 };
		for (const field of ['location', 'stations', 'customerid'] as const) {
			const without = Object.fromEntries(Object.entries(event).filter(([k]) => k !== field));
			const error = expectDeliveryError(() => receiveSynthesisVr(makeDelivery(JSON.stringify([without])), {}), 'bad_payload');
			expect(error.message).toBe(`[0].${field}: required for create events`);
		}
		expect(receiveSynthesisVr(makeDelivery(JSON.stringify([{ ...event, customerid: null }])), {}).items).toHaveLength(1);
		expect(receiveSynthesisVr(makeDelivery('[{"uuid":"u-2","action":"checkin"}]'), {}).items).toHaveLength(1);
	});

	it('refuses more events than the node accepts (413), before parsing any of them', () => {
		const events = JSON.stringify(Array.from({ length: 4 }, () => ({ not: 'even an event' })));
		const error = expectDeliveryError(() => receiveSynthesisVr(makeDelivery(events), { maxEvents: 3 }), 'payload_too_large');
		expect(error.message).toContain('4 events');
		expect(error.callerMessage).not.toContain('3');
		expect(receiveSynthesisVr(makeDelivery(SYNTHESISVR_BATCH_BODY), { maxEvents: 3 }).items).toHaveLength(3);
	});

	it('rejects empty and non-JSON bodies', () => {
		expectDeliveryError(() => receiveSynthesisVr(makeDelivery(''), {}), 'bad_payload');
		expectDeliveryError(() => receiveSynthesisVr(makeDelivery('uuid=1&action=create'), {}), 'bad_payload');
	});

	describe('shared token', () => {
		it('accepts the token in the query string', () => {
			const result = receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY, {}, { query: { token: TOKEN } }), withToken);
			expect(result.items[0].meta.verified).toBe(true);
			expect(result.items[0].meta.verification).toEqual({ method: 'sharedToken', source: 'query' });
		});

		it('accepts the token in the header', () => {
			const result = receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY, { 'X-Synthesis-Token': TOKEN }), withToken);
			expect(result.items[0].meta.verification).toEqual({ method: 'sharedToken', source: 'header' });
		});

		it('rejects a wrong or missing token without echoing it', () => {
			expectDeliveryError(() => receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY, { 'x-synthesis-token': 'guess' }), withToken), 'bad_token', [TOKEN]);
			expectDeliveryError(() => receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY, {}, { query: { token: 'guess' } }), withToken), 'bad_token', [TOKEN]);
			const missing = expectDeliveryError(() => receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY), withToken), 'missing_header', [TOKEN]);
			expect(missing.message).toContain('x-synthesis-token');
			expect(missing.message).toContain('?token=');
		});

		it('fails closed when a token is required but not configured', () => {
			const settings: SynthesisVrSettings = { token: { value: '', headerName: 'x-synthesis-token', queryName: 'token' } };
			expectDeliveryError(() => receiveSynthesisVr(makeDelivery(SYNTHESISVR_CREATE_BODY, {}, { query: { token: '' } }), settings), 'not_configured');
		});

		it('redacts the token header when headers are included', () => {
			const result = receiveSynthesisVr(
				makeDelivery(SYNTHESISVR_CREATE_BODY, { 'x-synthesis-token': TOKEN, 'user-agent': 'Synthesis' }),
				{ ...withToken, includeHeaders: true },
			);
			expect(result.items[0].meta.headers).toEqual({ 'x-synthesis-token': '[redacted]', 'user-agent': 'Synthesis' });
			expect(JSON.stringify(result)).not.toContain(TOKEN);
		});
	});

	describe('IP allow-list', () => {
		const body = SYNTHESISVR_CREATE_BODY;
		const allowed = '198.51.100.0/24, 2001:db8:abcd::/48; 192.0.2.10';
		const from = (ip: string | undefined) => () => receiveSynthesisVr(makeDelivery(body, {}, { ip }), { allowedIps: allowed });

		it.each(['198.51.100.1', '198.51.100.254', '192.0.2.10', '2001:db8:abcd::1', '2001:db8:abcd:ffff::9', '::ffff:198.51.100.77', '::ffff:192.0.2.10'])(
			'allows %s',
			(ip) => {
				expect(from(ip)().items).toHaveLength(1);
			},
		);

		it.each(['198.51.101.1', '192.0.2.11', '2001:db8:abce::1', '::ffff:198.51.101.1', '10.0.0.1', 'not-an-ip', '', undefined])('forbids %p with 403', (ip) => {
			expectDeliveryError(from(ip), 'forbidden_ip');
		});

		it('an IPv4-mapped IPv6 range matches IPv4 peers', () => {
			expect(receiveSynthesisVr(makeDelivery(body, {}, { ip: '198.51.100.9' }), { allowedIps: '::ffff:198.51.100.0/120' }).items).toHaveLength(1);
		});

		it('an empty list allows everyone; an invalid list fails closed', () => {
			expect(receiveSynthesisVr(makeDelivery(body, {}, { ip: '8.8.8.8' }), { allowedIps: '  ' }).items).toHaveLength(1);
			expectDeliveryError(() => receiveSynthesisVr(makeDelivery(body), { allowedIps: '10.0.0.0/33' }), 'not_configured');
		});

		it('checks the IP before the token', () => {
			expectDeliveryError(
				() => receiveSynthesisVr(makeDelivery(body, { 'x-synthesis-token': TOKEN }, { ip: '8.8.8.8' }), { ...withToken, allowedIps: allowed }),
				'forbidden_ip',
				[TOKEN],
			);
		});
	});
});
