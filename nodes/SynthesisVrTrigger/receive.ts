import { verifySharedSecret } from '../shared/apiKey';
import { admitDelivery, buildMeta, type CommonOptions, type Delivery, passesFilter, type ReceiveResult } from '../shared/delivery';
import { DeliveryError } from '../shared/errors';
import { SynthesisVrEventSchema } from './schema';
import { parseJsonBody, parseWith } from '../shared/validation';

export interface SynthesisVrSettings extends CommonOptions {
	/** SynthesisVR signs nothing: an optional shared token in a header or the query string. */
	token?: { value: string; headerName: string; queryName: string };
	actions?: string[];
	/** More events in one POST are refused (413) before any is parsed: each becomes an item. */
	maxEvents?: number;
}

export const DEFAULT_MAX_EVENTS = 500;

/** SynthesisVR: one POST carries an array of session events (or a single object). */
export function receiveSynthesisVr(delivery: Delivery, settings: SynthesisVrSettings): ReceiveResult {
	admitDelivery(delivery, settings);
	const verification = settings.token
		? verifySharedSecret({
				headers: delivery.headers,
				headerName: settings.token.headerName,
				query: delivery.query,
				queryName: settings.token.queryName,
				keys: [settings.token.value],
				code: 'bad_token',
				label: 'token',
			})
		: undefined;

	const body = parseJsonBody(delivery.body);
	const list = Array.isArray(body) ? body : [body];
	const maxEvents = settings.maxEvents ?? DEFAULT_MAX_EVENTS;
	if (list.length > maxEvents) {
		throw new DeliveryError('payload_too_large', `The delivery holds ${list.length} events, more than the ${maxEvents} this node accepts`, 'The delivery holds more events than this webhook accepts');
	}
	const events = list.map((event, index) => parseWith(SynthesisVrEventSchema, event, Array.isArray(body) ? [index] : []));

	const kept = events.filter((event) => passesFilter(settings.actions, event.action));
	return {
		ignored: events.length - kept.length,
		items: kept.map((event) => ({
			...event,
			meta: buildMeta(
				delivery,
				settings,
				{
					vendor: 'synthesisvr',
					eventType: `session.${event.action}`,
					dedupKey: `${event.uuid}:${event.action}`,
					verified: verification !== undefined,
					verification: verification ? { method: 'sharedToken', source: verification.source } : undefined,
				},
				settings.token ? [settings.token.headerName] : [],
			),
		})),
	};
}
