import { admitDelivery, buildMeta, type CommonOptions, type Delivery, passesFilter, type ReceiveResult } from '../shared/delivery';
import { bodyFingerprint } from '../shared/hmac';
import type { Clock } from '../shared/timestamps';
import { parseJsonBody, parseWith } from '../shared/validation';
import { classifySynchubEvent, SynchubPayloadSchema } from './schema';
import { AUTO_DETECT_HEADERS, type SynchubVerification, verifySynchubDelivery } from './verify';

export interface SynchubSettings extends CommonOptions {
	verification: SynchubVerification;
	kinds?: string[];
	outcome?: 'any' | 'success' | 'failure';
}

export function receiveSynchub(delivery: Delivery, settings: SynchubSettings, clock: Clock): ReceiveResult {
	admitDelivery(delivery, settings);
	const v = settings.verification;
	const verified = verifySynchubDelivery(delivery, v, clock);

	const payload = parseWith(SynchubPayloadSchema, parseJsonBody(delivery.body));
	const { eventType, kind, outcome, isTest } = classifySynchubEvent(payload);
	if (!passesFilter(settings.kinds, kind) || (settings.outcome && settings.outcome !== 'any' && outcome !== settings.outcome && !isTest)) {
		return { items: [], ignored: 1, replay: verified?.replay };
	}
	const signatureHeaders = v.mode === 'hmac' ? [v.signatureHeader] : v.mode === 'auto' ? AUTO_DETECT_HEADERS : [];
	const explicitId = ['id', 'eventId', 'event_id', 'runId', 'run_id'].map((field) => payload[field]).find((value) => typeof value === 'string' || typeof value === 'number');
	const messageId = verified?.replay?.messageId;
	return {
		ignored: 0,
		replay: verified?.replay,
		items: [
			{
				...payload,
				meta: buildMeta(
					delivery,
					settings,
					{
						vendor: 'synchub',
						eventType,
						// The sender's message id (Standard Webhooks) is the same on every retry of one event.
						dedupKey: messageId ?? (explicitId !== undefined ? `${kind}:${String(explicitId)}` : `${kind}:${bodyFingerprint(delivery.body)}`),
						verified: verified !== undefined,
						verification: verified?.verification,
					},
					signatureHeaders,
					{ kind, outcome, isTest },
				),
			},
		],
	};
}
