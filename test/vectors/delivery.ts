import { type Delivery, newDelivery } from '../../nodes/shared/delivery';
import type { HeaderBag } from '../../nodes/shared/encoding';

export const RECEIVED_AT = new Date('2024-05-01T10:20:31.000Z');

/** A delivery as the trigger builds it (headers normalised by the product's own newDelivery). */
export function makeDelivery(body: string | Buffer, headers: HeaderBag = {}, extra: Partial<Omit<Delivery, 'body' | 'headers'>> = {}): Delivery {
	return {
		...newDelivery({ body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, headers, ip: '203.0.113.7', receivedAt: RECEIVED_AT }),
		...extra,
	};
}
