import { verifySharedSecret } from '../shared/apiKey';
import { admitDelivery, buildMeta, type CommonOptions, type Delivery, matchesEventType, type ReceiveResult } from '../shared/delivery';
import { headerValue } from '../shared/encoding';
import { DeliveryError } from '../shared/errors';
import { bodyFingerprint } from '../shared/hmac';
import { GenericEventSchema, normaliseEventTime } from './schema';
import { parseJsonBody, parseWith } from '../shared/validation';

export interface EventWebhookSettings extends CommonOptions {
	apiKey?: { keys: string[]; headerName: string };
	/** Event types to keep; empty keeps all. Compared case-sensitively, `*` suffix = prefix match. */
	eventTypes?: string[];
}

/** The generic admin-console webhook: `{event_time, event_type, current_context, data}` + API key. */
export function receiveEventWebhook(delivery: Delivery, settings: EventWebhookSettings): ReceiveResult {
	admitDelivery(delivery, settings);
	const verification = settings.apiKey
		? verifySharedSecret({
				headers: delivery.headers,
				headerName: settings.apiKey.headerName,
				allowBearer: true,
				keys: settings.apiKey.keys,
			})
		: undefined;

	const event = parseWith(GenericEventSchema, parseJsonBody(delivery.body));
	const eventTime = normaliseEventTime(event.event_time);
	if (eventTime === undefined) {
		throw new DeliveryError('bad_payload', 'event_time: expected an ISO-8601 date or a unix time');
	}
	if (!matchesEventType(settings.eventTypes, event.event_type)) return { items: [], ignored: 1 };
	return {
		ignored: 0,
		items: [
			{
				...event,
				event_time: eventTime,
				meta: buildMeta(
					delivery,
					settings,
					{
						vendor: 'event-webhook',
						eventType: event.event_type,
						// A sender's message id (e.g. Standard Webhooks' webhook-id) is the same on every retry.
						dedupKey: headerValue(delivery.headers, 'webhook-id') ?? `${event.event_type}:${bodyFingerprint(delivery.body)}`,
						verified: verification !== undefined,
						verification: verification ? { method: 'apiKey', source: verification.source, keyIndex: verification.keyIndex } : undefined,
					},
					settings.apiKey ? [settings.apiKey.headerName] : [],
					{ originalEventTime: event.event_time },
				),
			},
		],
	};
}
