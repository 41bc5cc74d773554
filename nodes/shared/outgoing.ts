import { randomUUID } from 'node:crypto';

import { DeliveryError } from './errors';
import { type HmacScheme, signHmac } from './hmac';
import { createRoomleToken, type RoomleAlgorithm } from './roomleToken';
import { type SignaturePresetId, signWithPreset } from './signaturePresets';
import { signStandardWebhook } from './standardWebhooks';

/**
 * The vendor schemes Send Webhook signs with a shared HMAC secret, as each vendor publishes it
 * (signaturePresets.ts). Standard Webhooks is a preset too, but keeps its own scheme below and
 * its whsec_ credential.
 */
export type HmacPresetId = Exclude<SignaturePresetId, 'standardWebhooks'>;

/**
 * How Send Webhook signs a request: the same schemes (and the same code) the triggers verify.
 * Pure functions of body bytes, delivery id, clock and secret, so every scheme round-trips
 * through the matching verifier in tests.
 */
export type OutgoingSigning =
	| { scheme: 'none' }
	| {
			scheme: 'hmac';
			secret: string;
			hmac: HmacScheme;
			signatureHeader: string;
			/** Sent (and signed when the scheme says so) with the unix time of the attempt. */
			timestampHeader?: string;
	  }
	| { scheme: 'standardWebhooks'; secret: string }
	| { scheme: 'roomleToken'; apiKey: string; secret: string; headerName: string; algorithm: RoomleAlgorithm }
	| { scheme: 'apiKey'; apiKey: string; headerName: string; bearer: boolean }
	| { scheme: 'customHeader'; headerName: string; value: string }
	| { scheme: 'preset'; preset: HmacPresetId; secret: string };

/** Headers to add for one attempt. `nowMs` is the attempt's time, so retries carry a fresh timestamp. */
export function signingHeaders(signing: OutgoingSigning, body: Buffer, deliveryId: string, nowMs: number): Record<string, string> {
	const unixSeconds = Math.floor(nowMs / 1000);
	switch (signing.scheme) {
		case 'none':
			return {};
		case 'hmac': {
			const timestamp = String(unixSeconds);
			if (signing.hmac.signedContent !== 'body' && !signing.timestampHeader) {
				throw new DeliveryError('not_configured', 'A timestamp header is needed to sign "timestamp.body"');
			}
			return {
				[signing.signatureHeader]: signHmac(signing.hmac, signing.secret, { body, timestamp, id: deliveryId }),
				...(signing.timestampHeader ? { [signing.timestampHeader]: timestamp } : {}),
			};
		}
		case 'standardWebhooks':
			return signStandardWebhook({ secret: signing.secret, body, timestamp: unixSeconds, id: deliveryId });
		case 'roomleToken':
			return {
				[signing.headerName]: createRoomleToken({
					secret: signing.secret,
					apiKey: signing.apiKey,
					algorithm: signing.algorithm,
					date: new Date(nowMs),
				}),
			};
		case 'apiKey':
			return signing.bearer ? { authorization: `Bearer ${signing.apiKey}` } : { [signing.headerName]: signing.apiKey };
		case 'customHeader':
			return { [signing.headerName]: signing.value };
		case 'preset':
			return signWithPreset(signing.preset, { secret: signing.secret, body, timestampSec: unixSeconds, id: deliveryId });
	}
}

/** `msg_` + 32 hex chars: the Standard Webhooks id style, usable as a dedup key by receivers. */
export function newDeliveryId(): string {
	return `msg_${randomUUID().replace(/-/g, '')}`;
}

export type Envelope = 'none' | 'standardWebhooks' | 'eventWebhook';

/** Wraps a payload: Standard Webhooks `{type, timestamp, data}` or the generic event envelope. */
export function wrapPayload(envelope: Envelope, payload: unknown, eventType: string, now: Date, currentContext: unknown = null): unknown {
	switch (envelope) {
		case 'none':
			return payload;
		case 'standardWebhooks':
			return { type: eventType, timestamp: now.toISOString(), data: payload };
		case 'eventWebhook':
			return { event_time: now.toISOString(), event_type: eventType, current_context: currentContext, data: payload };
	}
}
