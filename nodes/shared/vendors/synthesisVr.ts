import { verifySharedSecret } from '../apiKey';
import { assertAllowedIp, buildMeta, type CommonOptions, type Delivery, passesFilter, type ReceiveResult } from '../delivery';
import { SynthesisVrEventSchema } from '../schemas/synthesisVr';
import { parseJsonBody, parseWith } from '../validation';

export interface SynthesisVrSettings extends CommonOptions {
	/** SynthesisVR signs nothing: an optional shared token in a header or the query string. */
	token?: { value: string; headerName: string; queryName: string };
	actions?: string[];
}

/** SynthesisVR: one POST carries an array of session events (or a single object). */
export function receiveSynthesisVr(delivery: Delivery, settings: SynthesisVrSettings): ReceiveResult {
	assertAllowedIp(delivery, settings.allowedIps);
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
