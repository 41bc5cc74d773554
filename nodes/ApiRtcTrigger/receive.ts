import { verifySharedSecret } from '../shared/apiKey';
import { admitDelivery, buildMeta, type CommonOptions, type Delivery, passesFilter, type ReceiveResult } from '../shared/delivery';
import { z } from 'zod';

import { APIRTC_OBJECTS, ApiRtcEventSchema } from './schema';
import { parseJsonBody, parseWith } from '../shared/validation';

export interface ApiRtcSettings extends CommonOptions {
	/** The custom header added in the ApiRTC console: the only way ApiRTC deliveries can be authenticated. */
	secretHeader?: { name: string; value: string };
	objects?: string[];
	events?: string[];
}

/** ApiRTC sends `Content-Type: application/JSON`, so the raw body is parsed here, whatever the content type. */
export function receiveApiRtc(delivery: Delivery, settings: ApiRtcSettings): ReceiveResult {
	admitDelivery(delivery, settings);
	const verification = settings.secretHeader
		? verifySharedSecret({
				headers: delivery.headers,
				headerName: settings.secretHeader.name,
				keys: [settings.secretHeader.value],
				code: 'bad_token',
				label: `${settings.secretHeader.name} header`,
			})
		: undefined;

	const body = parseJsonBody(delivery.body);
	// Checked first so an unknown object is named, rather than "matches no shape".
	parseWith(z.looseObject({ object: z.enum(APIRTC_OBJECTS) }), body);
	const event = parseWith(ApiRtcEventSchema, body);
	if (!passesFilter(settings.objects, event.object) || !passesFilter(settings.events, event.event)) {
		return { items: [], ignored: 1 };
	}
	const state = 'state' in event.props ? event.props.state : 'eventType' in event.props ? event.props.eventType : undefined;
	return {
		ignored: 0,
		items: [
			{
				...event,
				timeIso: new Date(event.time * 1000).toISOString(),
				meta: buildMeta(
					delivery,
					settings,
					{
						vendor: 'apirtc',
						eventType: `${event.object}.${event.event}`,
						dedupKey: [event.object, event.objectId, event.event, event.time, state ?? ''].join(':'),
						verified: verification !== undefined,
						verification: verification ? { method: 'customHeader', header: settings.secretHeader?.name } : undefined,
					},
					settings.secretHeader ? [settings.secretHeader.name] : [],
				),
			},
		],
	};
}
