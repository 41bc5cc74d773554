import type { HeaderBag } from '../../nodes/shared/encoding';
import type { Delivery } from '../../nodes/shared/delivery';

export const RECEIVED_AT = new Date('2024-05-01T10:20:31.000Z');

/** A delivery as the trigger hands it to an adapter: exact body bytes, raw headers. */
export function makeDelivery(body: string | Buffer, headers: HeaderBag = {}, extra: Partial<Omit<Delivery, 'body' | 'headers'>> = {}): Delivery {
	return {
		body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
		headers,
		query: {},
		ip: '203.0.113.7',
		receivedAt: RECEIVED_AT,
		...extra,
	};
}
