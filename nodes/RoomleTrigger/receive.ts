import { admitDelivery, buildMeta, type CommonOptions, type Delivery, passesFilter, type ReceiveResult } from '../shared/delivery';
import { headerValue } from '../shared/encoding';
import { bodyFingerprint } from '../shared/hmac';
import { type RoomleCbcIv, verifyRoomleToken } from '../shared/roomleToken';
import { RoomleEventSchema } from './schema';
import type { Clock } from '../shared/timestamps';
import { parseJsonBody, parseWith } from '../shared/validation';

export interface RoomleSettings extends CommonOptions {
	token?: { headerName: string; apiKey: string; secret: string; toleranceSec: number; cbcIv?: RoomleCbcIv };
	events?: string[];
}

export function receiveRoomle(delivery: Delivery, settings: RoomleSettings, clock: Clock): ReceiveResult {
	admitDelivery(delivery, settings);
	const token = settings.token
		? verifyRoomleToken({
				token: headerValue(delivery.headers, settings.token.headerName),
				headerName: settings.token.headerName,
				apiKey: settings.token.apiKey,
				secret: settings.token.secret,
				toleranceSec: settings.token.toleranceSec,
				cbcIv: settings.token.cbcIv,
				clock,
			})
		: undefined;

	// The token is time-bound but does not cover the body: a copy is the same decrypted token
	// (issue time and session) with the same body, however its base64 is spelled.
	const tolerance = settings.token?.toleranceSec ?? 0;
	const replay =
		token && tolerance > 0
			? { request: `${token.issuedAt}\n${token.sessionToken}\n${bodyFingerprint(delivery.body)}`, windowSec: 2 * tolerance }
			: undefined;
	const event = parseWith(RoomleEventSchema, parseJsonBody(delivery.body));
	if (!passesFilter(settings.events, event.event)) return { items: [], ignored: 1, replay };
	const subject = event.data.configurationId ?? event.data.itemId ?? '';
	return {
		ignored: 0,
		replay,
		items: [
			{
				...event,
				meta: buildMeta(
					delivery,
					settings,
					{
						vendor: 'roomle',
						eventType: event.event,
						dedupKey: token ? `${event.event}:${subject}:${token.issuedAt}` : `${event.event}:${bodyFingerprint(delivery.body)}`,
						verified: token !== undefined,
						verification: token
							? { method: 'roomleToken', algorithm: token.algorithm, iv: token.iv, issuedAt: token.issuedAt, anonymous: token.sessionToken === 'anonymous' }
							: undefined,
					},
					settings.token ? [settings.token.headerName] : [],
				),
			},
		],
	};
}
