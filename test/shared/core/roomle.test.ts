import { createRoomleToken } from '../../../nodes/shared/roomleToken';
import { receiveRoomle, type RoomleSettings } from '../../../nodes/RoomleTrigger/receive';
import { ROOMLE_SHARE_BODY, ROOMLE_TOKEN_VECTOR as V } from '../../vectors';
import { makeDelivery } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';

const clock = () => Date.parse(V.issuedAt) + 10_000;
const withToken: RoomleSettings = { token: { headerName: 'token', apiKey: V.apiKey, secret: V.secret, toleranceSec: 300 } };

describe('receiveRoomle', () => {
	it('accepts an event with the published token and reports the verification', () => {
		const { items, ignored } = receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { token: V.token }), withToken, clock);
		expect(ignored).toBe(0);
		expect(items[0]).toMatchObject({ event: 'email.shareConfiguration', data: { success: true, configurationId: 'usm:frame:ABC123' } });
		expect(items[0].meta).toMatchObject({
			vendor: 'roomle',
			eventType: 'email.shareConfiguration',
			dedupKey: `email.shareConfiguration:usm:frame:ABC123:${V.issuedAt}`,
			verified: true,
			verification: { method: 'roomleToken', algorithm: '02', issuedAt: V.issuedAt, anonymous: false },
		});
	});

	it('accepts a CBC token in a custom header and reports the IV', () => {
		const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, date: new Date(V.issuedAt), algorithm: '01', iv: 'key' });
		const settings: RoomleSettings = { token: { ...withToken.token!, headerName: 'X-Roomle-Token' } };
		const { items } = receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { 'x-roomle-token': token }), settings, clock);
		expect(items[0].meta.verification).toMatchObject({ algorithm: '01', iv: 'key', anonymous: true });
	});

	it('rejects a wrong, stale or missing token', () => {
		expectDeliveryError(
			() => receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { token: V.token }), { token: { ...withToken.token!, apiKey: 'otherKey' } }, clock),
			'bad_token',
			[V.secret, V.apiKey],
		);
		expectDeliveryError(() => receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { token: V.token }), withToken, Date.now), 'bad_token', [V.secret, V.apiKey]);
		expectDeliveryError(() => receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY), withToken, clock), 'missing_header', [V.secret]);
	});

	it('verifies the token before parsing the body', () => {
		expectDeliveryError(() => receiveRoomle(makeDelivery('not json', { token: 'garbage' }), withToken, clock), 'bad_token');
	});

	it('filters on event', () => {
		const delivery = makeDelivery(ROOMLE_SHARE_BODY, { token: V.token });
		expect(receiveRoomle(delivery, { ...withToken, events: ['email.3DExportAsset'] }, clock)).toMatchObject({ items: [], ignored: 1 });
		expect(receiveRoomle(delivery, { ...withToken, events: ['email.shareConfiguration'] }, clock).items).toHaveLength(1);
	});

	it('includeHeaders redacts the token header', () => {
		const { items } = receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { Token: V.token, 'user-agent': 'Roomle' }), { ...withToken, includeHeaders: true }, clock);
		expect(items[0].meta.headers).toEqual({ token: '[redacted]', 'user-agent': 'Roomle' });
		expect(JSON.stringify(items)).not.toContain(V.token.slice(3, 20));
		const custom = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, date: new Date(V.issuedAt) });
		const settings: RoomleSettings = { token: { ...withToken.token!, headerName: 'x-roomle-auth' }, includeHeaders: true };
		const result = receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { 'x-roomle-auth': custom }), settings, clock);
		expect(result.items[0].meta.headers).toEqual({ 'x-roomle-auth': '[redacted]' });
	});

	it('without token verification, marks items unverified and uses a body fingerprint', () => {
		const { items } = receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY), {}, clock);
		expect(items[0].meta.verified).toBe(false);
		expect(items[0].meta.dedupKey).toMatch(/^email\.shareConfiguration:[0-9a-f]{32}$/);
	});

	it('rejects a body without event', () => {
		expect(expectDeliveryError(() => receiveRoomle(makeDelivery('{"data":{}}'), {}, clock), 'bad_payload').message).toMatch(/^event/);
	});

	it('fails closed with a secret of the wrong size', () => {
		expectDeliveryError(
			() => receiveRoomle(makeDelivery(ROOMLE_SHARE_BODY, { token: V.token }), { token: { ...withToken.token!, secret: 'too-short' } }, clock),
			'not_configured',
			['too-short'],
		);
	});
});
