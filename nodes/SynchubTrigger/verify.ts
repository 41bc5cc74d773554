import { type ConfiguredHmac, verifyConfiguredHmac, type VerifiedDelivery } from '../shared/configuredHmac';
import type { Delivery } from '../shared/delivery';
import { headerValue } from '../shared/encoding';
import { DeliveryError } from '../shared/errors';
import {
	decodePresentedSignatures,
	type HmacAlgorithm,
	type HmacScheme,
	matchingSecret,
	type SignatureEncoding,
	signatureCandidates,
	type SignedContent,
} from '../shared/hmac';
import { signedContentReplay } from '../shared/replay';
import { STANDARD_WEBHOOKS_HEADERS, verifyStandardWebhook } from '../shared/standardWebhooks';
import { assertFreshTimestamp, type Clock, parseTimestamp } from '../shared/timestamps';

/**
 * SYNCHUB "uses the secret to hash an HTTP header" but has not published which header or how:
 * the node's HMAC fields are configurable (defaults: shared/n8n/hmacParameters.ts), and `auto`
 * finds the scheme from a test delivery.
 */
export type SynchubVerification =
	| { mode: 'none' }
	| { mode: 'standardWebhooks'; secrets: string[]; toleranceSec: number }
	| ({ mode: 'hmac' } & ConfiguredHmac)
	| { mode: 'auto'; secrets: string[]; toleranceSec: number };

/** Header names tried by auto-detect, most likely first. */
export const AUTO_DETECT_HEADERS = [
	'x-synchub-signature',
	'x-synchub-hmac',
	'x-signature',
	'x-hub-signature-256',
	'x-hub-signature',
	'x-webhook-signature',
	'webhook-signature',
	'signature',
	'x-hmac-signature',
	'x-signature-sha256',
];
const AUTO_DETECT_TIMESTAMP_HEADERS = ['x-synchub-timestamp', 'x-timestamp', 'x-webhook-timestamp', 'webhook-timestamp'];
const ALGORITHMS: HmacAlgorithm[] = ['sha256', 'sha512', 'sha1'];
const ENCODINGS: SignatureEncoding[] = ['hex', 'base64'];
/** Senders put one or two signatures in a header (rotation); more is noise or an attack. */
const MAX_SIGNATURES_PER_HEADER = 4;

/** Verifies a delivery as the node is set; undefined when verification is off. */
export function verifySynchubDelivery(delivery: Delivery, v: SynchubVerification, clock: Clock): VerifiedDelivery | undefined {
	switch (v.mode) {
		case 'hmac':
			return verifyConfiguredHmac(delivery, v, clock);
		case 'standardWebhooks':
			return verifyStandard(delivery, v.secrets, v.toleranceSec, clock);
		case 'auto':
			return autoDetect(delivery, v.secrets, v.toleranceSec, clock);
		case 'none':
			return undefined;
	}
}

/** The Standard Webhooks check: the `standardWebhooks` mode, and auto-detect's first candidate. */
function verifyStandard(delivery: Delivery, secrets: string[], toleranceSec: number, clock: Clock, extra: Record<string, unknown> = {}): VerifiedDelivery {
	const { id, secretIndex, timestampSec } = verifyStandardWebhook({ headers: delivery.headers, body: delivery.body, secrets, toleranceSec, clock });
	return {
		verification: { method: 'standardWebhooks', header: STANDARD_WEBHOOKS_HEADERS.signature, ...extra, secretIndex, messageId: id },
		replay: signedContentReplay(delivery.body, timestampSec, toleranceSec, id),
	};
}

/**
 * Tries the Standard Webhooks check, then every usual header × signed content × algorithm ×
 * encoding with the verifier's own compare step (matchingSecret), and reports what matched so
 * it can be pinned in the node (the UI and README say so). Still requires a matching HMAC: it
 * only saves the user from guessing the scheme.
 *
 * An unauthenticated caller chooses the headers, so the cost is bounded: each header is split
 * once (at most 4 signatures), a timestamp header is parsed and checked for freshness once,
 * before anything is hashed, and a shared digest cache hashes the body once per (signed content,
 * algorithm, secret): at most 2 × 3 × 2 times plus one Standard Webhooks check per secret, over
 * a body the node's size limit already bounds. A mismatch costs no exception.
 */
function autoDetect(delivery: Delivery, secrets: string[], toleranceSec: number, clock: Clock): VerifiedDelivery {
	if (secrets.every((secret) => secret === '')) {
		throw new DeliveryError('not_configured', 'Signature verification is on but no secret is configured');
	}
	const standard = detectStandardWebhook(delivery, secrets, toleranceSec, clock);
	if (standard) return standard;
	const timestampHeader = AUTO_DETECT_TIMESTAMP_HEADERS.find((name) => headerValue(delivery.headers, name) !== undefined);
	const timestamp = timestampHeader ? headerValue(delivery.headers, timestampHeader) : undefined;
	const timestampSec = timestamp !== undefined ? parseTimestamp(timestamp) : undefined;
	if (timestampSec !== undefined) assertFreshTimestamp(timestampSec, toleranceSec, clock);
	const present = AUTO_DETECT_HEADERS.filter((name) => headerValue(delivery.headers, name) !== undefined);
	if (present.length === 0) {
		throw new DeliveryError('missing_header', `No signature header found (looked for ${AUTO_DETECT_HEADERS.join(', ')})`);
	}
	const contents: SignedContent[] = timestamp !== undefined ? ['body', 'timestamp.body'] : ['body'];
	const digestCache = new Map<string, Buffer>();
	for (const header of present) {
		const raw = headerValue(delivery.headers, header) as string;
		const prefix = /^(sha1|sha256|sha512|v1)[=,]/i.exec(raw)?.[0] ?? '';
		const values = signatureCandidates(raw, prefix).slice(0, MAX_SIGNATURES_PER_HEADER);
		for (const signedContent of contents) {
			for (const algorithm of ALGORITHMS) {
				for (const encoding of ENCODINGS) {
					const scheme: HmacScheme = { algorithm, encoding, prefix, signedContent };
					const candidates = decodePresentedSignatures(scheme, values);
					const secretIndex = matchingSecret({ scheme, secrets, parts: { body: delivery.body, timestamp }, candidates, digestCache });
					if (secretIndex === undefined) continue;
					const timestampSigned = signedContent === 'timestamp.body';
					return {
						verification: { method: 'hmac', detected: true, header, ...scheme, timestampHeader: timestampSigned ? timestampHeader : undefined, secretIndex },
						replay: timestampSigned ? signedContentReplay(delivery.body, timestampSec, toleranceSec) : undefined,
					};
				}
			}
		}
	}
	throw new DeliveryError('bad_signature', 'No signature header matched the body with the configured secret');
}

/**
 * The Standard Webhooks check, when its headers are there. Anything but a stale or future time
 * (a bad or missing part, another secret format) lets the HMAC candidates have a go: the same
 * header may hold a plain HMAC.
 */
function detectStandardWebhook(delivery: Delivery, secrets: string[], toleranceSec: number, clock: Clock): VerifiedDelivery | undefined {
	if (!headerValue(delivery.headers, STANDARD_WEBHOOKS_HEADERS.signature) || !headerValue(delivery.headers, STANDARD_WEBHOOKS_HEADERS.id)) return undefined;
	try {
		return verifyStandard(delivery, secrets, toleranceSec, clock, { detected: true });
	} catch (error) {
		const code = (error as DeliveryError).code;
		if (code === 'stale_timestamp' || code === 'future_timestamp') throw error;
		return undefined;
	}
}
