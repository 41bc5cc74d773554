import { randomUUID } from 'node:crypto';

import { decodeBase64, headerValue, type RequestHeaders } from './encoding';
import { DeliveryError } from './errors';
import { type HmacScheme, signHmac, verifyHmac } from './hmac';
import type { Clock } from './timestamps';

/** Standard Webhooks (standardwebhooks.com): HMAC-SHA256, base64, `v1,` entries, over `id.timestamp.body`. */
export const STANDARD_WEBHOOKS_SCHEME: HmacScheme = {
	algorithm: 'sha256',
	encoding: 'base64',
	prefix: 'v1,',
	signedContent: 'id.timestamp.body',
};
export const STANDARD_WEBHOOKS_TOLERANCE_SEC = 300;
export const STANDARD_WEBHOOKS_HEADERS = {
	id: 'webhook-id',
	timestamp: 'webhook-timestamp',
	signature: 'webhook-signature',
} as const;

/** Key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
export function standardWebhooksKey(secret: string): Buffer {
	const encoded = secret.trim().replace(/^whsec_/, '');
	const key = decodeBase64(encoded);
	if (!key || key.length === 0) {
		throw new DeliveryError('not_configured', 'The Standard Webhooks secret must look like whsec_<base64>');
	}
	return key;
}

export interface StandardWebhookSignInput {
	secret: string;
	body: Buffer;
	/** Unix seconds. */
	timestamp: number;
	/** Stays the same across retries of one message. */
	id?: string;
}

/** The three headers of a signed Standard Webhooks request. */
export function signStandardWebhook(input: StandardWebhookSignInput): Record<string, string> {
	const id = input.id ?? `msg_${randomUUID().replace(/-/g, '')}`;
	const timestamp = String(Math.floor(input.timestamp));
	const signature = signHmac(STANDARD_WEBHOOKS_SCHEME, standardWebhooksKey(input.secret), {
		body: input.body,
		timestamp,
		id,
	});
	return {
		[STANDARD_WEBHOOKS_HEADERS.id]: id,
		[STANDARD_WEBHOOKS_HEADERS.timestamp]: timestamp,
		[STANDARD_WEBHOOKS_HEADERS.signature]: signature,
	};
}

export interface StandardWebhookVerifyInput {
	headers: RequestHeaders;
	body: Buffer;
	/** Current secret first, then previous ones while rotating. */
	secrets: string[];
	toleranceSec?: number;
	clock: Clock;
}

export function verifyStandardWebhook(input: StandardWebhookVerifyInput): { id: string; timestampSec: number; secretIndex: number } {
	const configured = input.secrets.filter((secret) => secret.trim() !== '');
	if (configured.length === 0) {
		throw new DeliveryError('not_configured', 'Signature verification is on but no secret is configured');
	}
	const id = headerValue(input.headers, STANDARD_WEBHOOKS_HEADERS.id);
	if (id === undefined) throw new DeliveryError('missing_header', 'The webhook-id header is missing');
	const timestamp = headerValue(input.headers, STANDARD_WEBHOOKS_HEADERS.timestamp);
	if (timestamp === undefined) throw new DeliveryError('missing_header', 'The webhook-timestamp header is missing');

	const result = verifyHmac({
		scheme: STANDARD_WEBHOOKS_SCHEME,
		// Blank entries stay in place (as empty keys, skipped by verifyHmac) so secretIndex points into input.secrets.
		secrets: input.secrets.map((secret) => (secret.trim() === '' ? Buffer.alloc(0) : standardWebhooksKey(secret))),
		body: input.body,
		signature: headerValue(input.headers, STANDARD_WEBHOOKS_HEADERS.signature),
		signatureHeaderName: STANDARD_WEBHOOKS_HEADERS.signature,
		timestamp,
		timestampHeaderName: STANDARD_WEBHOOKS_HEADERS.timestamp,
		timestampFormat: 'unixSeconds',
		id,
		toleranceSec: input.toleranceSec ?? STANDARD_WEBHOOKS_TOLERANCE_SEC,
		clock: input.clock,
	});
	return { id, timestampSec: result.timestampSec ?? Number(timestamp), secretIndex: result.secretIndex };
}
