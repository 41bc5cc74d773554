import type { Delivery } from './delivery';
import { headerValue } from './encoding';
import { type HmacScheme, verifyHmac } from './hmac';
import { type ReplayIdentity, signedContentReplay } from './replay';
import type { Clock } from './timestamps';

/** What a trigger's verifier found: `meta.verification`, and what identifies a copy of the delivery. */
export interface VerifiedDelivery {
	verification: Record<string, unknown>;
	replay?: ReplayIdentity;
}

/** An HMAC scheme the user set field by field (SYNCHUB's HMAC mode, the Signed Webhook Trigger's Custom preset). */
export interface ConfiguredHmac {
	secrets: string[];
	scheme: HmacScheme;
	signatureHeader: string;
	timestampHeader?: string;
	toleranceSec: number;
}

/** Verifies a delivery against a configured HMAC scheme; `label` is added to meta.verification. */
export function verifyConfiguredHmac(delivery: Delivery, v: ConfiguredHmac, clock: Clock, label: Record<string, unknown> = {}): VerifiedDelivery {
	const result = verifyHmac({
		scheme: v.scheme,
		secrets: v.secrets,
		body: delivery.body,
		signature: headerValue(delivery.headers, v.signatureHeader),
		signatureHeaderName: v.signatureHeader,
		timestamp: v.timestampHeader ? headerValue(delivery.headers, v.timestampHeader) : undefined,
		timestampHeaderName: v.timestampHeader || undefined,
		toleranceSec: v.toleranceSec,
		clock,
	});
	const timestampSigned = v.scheme.signedContent !== 'body';
	return {
		verification: {
			method: 'hmac',
			...label,
			header: v.signatureHeader,
			...v.scheme,
			secretIndex: result.secretIndex,
			// A timestamp outside the signature is checked for freshness but could have been rewritten.
			...(v.timestampHeader ? { timestampHeader: v.timestampHeader, timestampSigned } : {}),
		},
		// Only a signed timestamp bounds how long a copy stays valid.
		replay: timestampSigned ? signedContentReplay(delivery.body, result.timestampSec, v.toleranceSec) : undefined,
	};
}
