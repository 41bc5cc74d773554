import { admitDelivery, buildMeta, type CommonOptions, type Delivery, passesFilter, type ReceiveResult } from '../shared/delivery';
import { headerValue } from '../shared/encoding';
import { DeliveryError } from '../shared/errors';
import { timingSafeEqual } from 'node:crypto';

import {
	bodyFingerprint,
	decodeSignature,
	DIGEST_BYTES,
	type HmacAlgorithm,
	hmacDigest,
	type HmacScheme,
	type SignatureEncoding,
	signatureCandidates,
	type SignedContent,
	signedMessage,
	verifyHmac,
} from '../shared/hmac';
import { classifySynchubEvent, SynchubPayloadSchema } from './schema';
import type { ReplayIdentity } from '../shared/replay';
import { STANDARD_WEBHOOKS_HEADERS, verifyStandardWebhook } from '../shared/standardWebhooks';
import { assertFreshTimestamp, type Clock, parseTimestamp } from '../shared/timestamps';
import { parseJsonBody, parseWith } from '../shared/validation';

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
const MAX_CANDIDATES_PER_HEADER = 4;

export type SynchubVerification =
	| { mode: 'none' }
	| { mode: 'standardWebhooks'; secrets: string[]; toleranceSec: number }
	| {
			mode: 'hmac';
			secrets: string[];
			scheme: HmacScheme;
			signatureHeader: string;
			timestampHeader?: string;
			toleranceSec: number;
	  }
	| { mode: 'auto'; secrets: string[]; toleranceSec: number };

export interface SynchubSettings extends CommonOptions {
	verification: SynchubVerification;
	kinds?: string[];
	outcome?: 'any' | 'success' | 'failure';
}

/** What a verifier found: `meta.verification`, and what identifies a replay of the delivery. */
interface Verified {
	verification: Record<string, unknown>;
	replay?: ReplayIdentity;
}

/**
 * A signed timestamp makes a copy recognisable for as long as it would pass (twice the
 * tolerance). A copy is the same signed content (time as read, message id, body), however its
 * headers are spelled: hex case, base64 alphabet or padding, extra signatures, leading zeros.
 */
function signedContentReplay(body: Buffer, timestampSec: number | undefined, toleranceSec: number, messageId?: string): ReplayIdentity | undefined {
	if (timestampSec === undefined || !(toleranceSec > 0)) return undefined;
	return { messageId, request: `${messageId ?? ''}\n${timestampSec}\n${bodyFingerprint(body)}`, windowSec: 2 * toleranceSec };
}

function verifyConfigured(delivery: Delivery, v: Extract<SynchubVerification, { mode: 'hmac' }>, clock: Clock): Verified {
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

function verifyStandard(delivery: Delivery, secrets: string[], toleranceSec: number, clock: Clock, extra: Record<string, unknown> = {}): Verified {
	const { id, secretIndex, timestampSec } = verifyStandardWebhook({ headers: delivery.headers, body: delivery.body, secrets, toleranceSec, clock });
	return {
		verification: { method: 'standardWebhooks', header: STANDARD_WEBHOOKS_HEADERS.signature, ...extra, secretIndex, messageId: id },
		replay: signedContentReplay(delivery.body, timestampSec, toleranceSec, id),
	};
}

/**
 * Tries every usual header × algorithm × encoding × signed content with the configured
 * secret(s). Still requires a matching HMAC: it only saves the user from guessing the scheme,
 * and reports what matched so it can be pinned in the node (the UI and README say so).
 *
 * An unauthenticated caller chooses the headers, so the cost is bounded: the body is hashed
 * once per (signed content, algorithm, secret), at most 2 × 3 × 2 times plus one Standard
 * Webhooks check per secret, over a body the node's size limit already bounds. A timestamp
 * header, when one is sent, must be fresh whichever candidate matches, and is checked first.
 */
function autoDetect(delivery: Delivery, v: Extract<SynchubVerification, { mode: 'auto' }>, clock: Clock): Verified {
	if (v.secrets.every((secret) => secret === '')) {
		throw new DeliveryError('not_configured', 'Signature verification is on but no secret is configured');
	}
	if (headerValue(delivery.headers, STANDARD_WEBHOOKS_HEADERS.signature) && headerValue(delivery.headers, STANDARD_WEBHOOKS_HEADERS.id)) {
		try {
			return verifyStandard(delivery, v.secrets, v.toleranceSec, clock, { detected: true });
		} catch (error) {
			if ((error as DeliveryError).code === 'stale_timestamp' || (error as DeliveryError).code === 'future_timestamp') throw error;
		}
	}
	const timestampHeader = AUTO_DETECT_TIMESTAMP_HEADERS.find((name) => headerValue(delivery.headers, name) !== undefined);
	const timestamp = timestampHeader ? headerValue(delivery.headers, timestampHeader) : undefined;
	const timestampSec = timestamp !== undefined ? parseTimestamp(timestamp) : undefined;
	if (timestampSec !== undefined) assertFreshTimestamp(timestampSec, v.toleranceSec, clock);
	const present = AUTO_DETECT_HEADERS.filter((name) => headerValue(delivery.headers, name) !== undefined);
	if (present.length === 0) {
		throw new DeliveryError('missing_header', `No signature header found (looked for ${AUTO_DETECT_HEADERS.join(', ')})`);
	}
	const contents: SignedContent[] = timestamp !== undefined ? ['body', 'timestamp.body'] : ['body'];
	// One HMAC per (signed content, algorithm, secret), however many headers and encodings are
	// tried: an unauthenticated caller must not make us hash a large body hundreds of times.
	const digests = new Map<string, Buffer>();
	const digestFor = (content: SignedContent, algorithm: HmacAlgorithm, secret: string): Buffer => {
		const key = `${content}|${algorithm}|${secret}`;
		let digest = digests.get(key);
		if (!digest) {
			digest = hmacDigest(algorithm, secret, signedMessage(content, { body: delivery.body, timestamp }));
			digests.set(key, digest);
		}
		return digest;
	};
	for (const header of present) {
		const raw = headerValue(delivery.headers, header) as string;
		const prefix = /^(sha1|sha256|sha512|v1)[=,]/i.exec(raw)?.[0] ?? '';
		const values = signatureCandidates(raw, prefix).slice(0, MAX_CANDIDATES_PER_HEADER);
		for (const signedContent of contents) {
			for (const algorithm of ALGORITHMS) {
				for (const encoding of ENCODINGS) {
					const candidates = values
						.map((value) => decodeSignature(encoding, value))
						.filter((bytes): bytes is Buffer => bytes !== undefined && bytes.length === DIGEST_BYTES[algorithm]);
					if (candidates.length === 0) continue;
					for (const [secretIndex, secret] of v.secrets.entries()) {
						if (secret === '') continue;
						const expected = digestFor(signedContent, algorithm, secret);
						let matched = false;
						for (const candidate of candidates) matched = timingSafeEqual(candidate, expected) || matched;
						if (!matched) continue;
						const timestampSigned = signedContent === 'timestamp.body';
						return {
							verification: {
								method: 'hmac',
								detected: true,
								header,
								algorithm,
								encoding,
								prefix,
								signedContent,
								timestampHeader: timestampSigned ? timestampHeader : undefined,
								secretIndex,
							},
							replay: timestampSigned ? signedContentReplay(delivery.body, timestampSec, v.toleranceSec) : undefined,
						};
					}
				}
			}
		}
	}
	throw new DeliveryError('bad_signature', 'No signature header matched the body with the configured secret');
}

export function receiveSynchub(delivery: Delivery, settings: SynchubSettings, clock: Clock): ReceiveResult {
	admitDelivery(delivery, settings);
	const v = settings.verification;
	const verified =
		v.mode === 'hmac'
			? verifyConfigured(delivery, v, clock)
			: v.mode === 'standardWebhooks'
				? verifyStandard(delivery, v.secrets, v.toleranceSec, clock)
				: v.mode === 'auto'
					? autoDetect(delivery, v, clock)
					: undefined;

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
