import { type ConfiguredHmac, verifyConfiguredHmac, type VerifiedDelivery } from '../shared/configuredHmac';
import type { Delivery } from '../shared/delivery';
import { headerValue } from '../shared/encoding';
import { DeliveryError } from '../shared/errors';
import { type HmacAlgorithm, type HmacScheme, type SignatureEncoding, signatureCandidates, type SignedContent, verifyHmac } from '../shared/hmac';
import { signedContentReplay } from '../shared/replay';
import { STANDARD_WEBHOOKS_HEADERS, verifyStandardWebhook } from '../shared/standardWebhooks';
import type { Clock } from '../shared/timestamps';

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

/** One way the sender may have signed: which header holds the signature, and the scheme. */
interface Candidate {
	header: string;
	/** The header's value, cut to its first few signatures. */
	signature: string;
	scheme: HmacScheme;
}

/**
 * Every usual header × signed content × algorithm × encoding present on this request, most
 * likely first. The prefix is read from the value (`sha256=`, `v1,` ...), as a sender writes it.
 */
function hmacCandidates(delivery: Delivery, timestamp: string | undefined): Candidate[] {
	const contents: SignedContent[] = timestamp !== undefined ? ['body', 'timestamp.body'] : ['body'];
	const candidates: Candidate[] = [];
	for (const header of AUTO_DETECT_HEADERS) {
		const raw = headerValue(delivery.headers, header);
		if (raw === undefined) continue;
		const prefix = /^(sha1|sha256|sha512|v1)[=,]/i.exec(raw)?.[0] ?? '';
		const signature = signatureCandidates(raw, prefix).slice(0, MAX_SIGNATURES_PER_HEADER).map((value) => prefix + value).join(' ');
		for (const signedContent of contents) {
			for (const algorithm of ALGORITHMS) {
				for (const encoding of ENCODINGS) candidates.push({ header, signature, scheme: { algorithm, encoding, prefix, signedContent } });
			}
		}
	}
	return candidates;
}

/**
 * Tries the Standard Webhooks check, then each HMAC candidate with the one verifier
 * (verifyHmac), and reports what matched so it can be pinned in the node (the UI and README say
 * so). Still requires a matching HMAC: it only saves the user from guessing the scheme.
 *
 * An unauthenticated caller chooses the headers, so the cost is bounded: the candidates share a
 * digest cache, so the body is hashed once per (signed content, algorithm, secret), at most
 * 2 × 3 × 2 times plus one Standard Webhooks check per secret, over a body the node's size limit
 * already bounds. A timestamp header, when one is sent, must be fresh whichever candidate
 * matches: verifyHmac checks it before comparing, and that refusal ends the search.
 */
function autoDetect(delivery: Delivery, secrets: string[], toleranceSec: number, clock: Clock): VerifiedDelivery {
	if (secrets.every((secret) => secret === '')) {
		throw new DeliveryError('not_configured', 'Signature verification is on but no secret is configured');
	}
	if (headerValue(delivery.headers, STANDARD_WEBHOOKS_HEADERS.signature) && headerValue(delivery.headers, STANDARD_WEBHOOKS_HEADERS.id)) {
		const standard = unlessBadSignature(() => verifyStandard(delivery, secrets, toleranceSec, clock, { detected: true }));
		if (standard) return standard;
	}
	const timestampHeader = AUTO_DETECT_TIMESTAMP_HEADERS.find((name) => headerValue(delivery.headers, name) !== undefined);
	const timestamp = timestampHeader ? headerValue(delivery.headers, timestampHeader) : undefined;
	const candidates = hmacCandidates(delivery, timestamp);
	if (candidates.length === 0) {
		throw new DeliveryError('missing_header', `No signature header found (looked for ${AUTO_DETECT_HEADERS.join(', ')})`);
	}
	const digestCache = new Map<string, Buffer>();
	for (const { header, signature, scheme } of candidates) {
		const verify = () =>
			verifyHmac({ scheme, secrets, body: delivery.body, signature, signatureHeaderName: header, timestamp, timestampHeaderName: timestampHeader, toleranceSec, clock, digestCache });
		const result = unlessBadSignature(verify);
		if (!result) continue;
		const timestampSigned = scheme.signedContent === 'timestamp.body';
		return {
			verification: { method: 'hmac', detected: true, header, ...scheme, timestampHeader: timestampSigned ? timestampHeader : undefined, secretIndex: result.secretIndex },
			replay: timestampSigned ? signedContentReplay(delivery.body, result.timestampSec, toleranceSec) : undefined,
		};
	}
	throw new DeliveryError('bad_signature', 'No signature header matched the body with the configured secret');
}

/**
 * Runs one candidate check: its result, or undefined when the signature does not match (try the
 * next). Every other refusal (stale or future time, unreadable timestamp) ends the search.
 */
function unlessBadSignature<T>(check: () => T): T | undefined {
	try {
		return check();
	} catch (error) {
		if (error instanceof DeliveryError && error.code === 'bad_signature') return undefined;
		throw error;
	}
}
