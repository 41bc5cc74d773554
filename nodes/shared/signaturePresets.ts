import { headerValue, type RequestHeaders, trimOws } from './encoding';
import { DeliveryError } from './errors';
import type { HmacScheme, HmacVerification } from './hmac';
import { signHmac, verifyHmac } from './hmac';
import {
	signStandardWebhook,
	STANDARD_WEBHOOKS_HEADERS,
	STANDARD_WEBHOOKS_SCHEME,
	STANDARD_WEBHOOKS_TOLERANCE_SEC,
	verifyStandardWebhook,
} from './standardWebhooks';
import type { Clock } from './timestamps';

/**
 * The published signature schemes of well-known webhook senders, shared by the Signed Webhook
 * Trigger (verify) and Send Webhook (sign). Each entry is what the vendor documents: the header
 * names, what is signed, how the digest is written, where the time is and how old it may be.
 */
export type SignaturePresetId = 'standardWebhooks' | 'github' | 'stripe' | 'shopify' | 'slack';

export interface SignaturePreset {
	id: SignaturePresetId;
	/** Shown in the node ("GitHub"). */
	label: string;
	scheme: HmacScheme;
	/** Lower-case header names, as they are looked up. */
	signatureHeader: string;
	/**
	 * Where the send time is: its own header, inside the signature header (Stripe's `t=`), or
	 * nowhere (the vendor signs no time, so a captured delivery stays valid: dedup downstream).
	 */
	timestamp: { in: 'header'; header: string } | { in: 'signatureHeader'; key: string } | { in: 'none' };
	/** The vendor's own tolerance, in seconds; 0 where no time is signed. */
	toleranceSec: number;
	/** The secret as the vendor hands it out: raw text, or `whsec_` + base64 key bytes. */
	secretFormat: 'text' | 'whsec';
}

const NO_SIGNED_TIME: SignaturePreset['timestamp'] = { in: 'none' };

/** A vendor's HMAC-SHA256 scheme with a secret used as the text it is handed out as (all but Standard Webhooks). */
function sha256Preset(
	id: SignaturePresetId,
	label: string,
	signatureHeader: string,
	digest: Omit<HmacScheme, 'algorithm'>,
	timestamp: SignaturePreset['timestamp'],
	toleranceSec: number,
): SignaturePreset {
	return { id, label, scheme: { algorithm: 'sha256', ...digest }, signatureHeader, timestamp, toleranceSec, secretFormat: 'text' };
}

export const SIGNATURE_PRESETS: Record<SignaturePresetId, SignaturePreset> = {
	// https://www.standardwebhooks.com (spec), used by Svix, Resend, Clerk and others.
	standardWebhooks: {
		id: 'standardWebhooks',
		label: 'Standard Webhooks',
		scheme: STANDARD_WEBHOOKS_SCHEME,
		signatureHeader: STANDARD_WEBHOOKS_HEADERS.signature,
		timestamp: { in: 'header', header: STANDARD_WEBHOOKS_HEADERS.timestamp },
		toleranceSec: STANDARD_WEBHOOKS_TOLERANCE_SEC,
		secretFormat: 'whsec',
	},
	// docs.github.com: "Validating webhook deliveries" (X-Hub-Signature-256: sha256=<hex of the body>).
	github: sha256Preset('github', 'GitHub', 'x-hub-signature-256', { encoding: 'hex', prefix: 'sha256=', signedContent: 'body' }, NO_SIGNED_TIME, 0),
	// docs.stripe.com: "Verify webhook signatures manually" (Stripe-Signature: t=<unix>,v1=<hex of t.body>).
	stripe: sha256Preset('stripe', 'Stripe', 'stripe-signature', { encoding: 'hex', prefix: 'v1=', signedContent: 'timestamp.body' }, { in: 'signatureHeader', key: 't' }, 300),
	// shopify.dev: "Verify webhooks" (X-Shopify-Hmac-Sha256: base64 of the body's HMAC-SHA256).
	shopify: sha256Preset('shopify', 'Shopify', 'x-shopify-hmac-sha256', { encoding: 'base64', prefix: '', signedContent: 'body' }, NO_SIGNED_TIME, 0),
	// api.slack.com: "Verifying requests from Slack" (X-Slack-Signature: v0=<hex of v0:timestamp:body>).
	slack: sha256Preset(
		'slack',
		'Slack',
		'x-slack-signature',
		{ encoding: 'hex', prefix: 'v0=', signedContent: 'v0:timestamp:body' },
		{ in: 'header', header: 'x-slack-request-timestamp' },
		300,
	),
};

export interface PresetSignInput {
	secret: string;
	body: Buffer;
	/** Unix seconds of this attempt. */
	timestampSec: number;
	/** The message id, where the scheme signs one (Standard Webhooks); stable across retries. */
	id: string;
}

/** The headers a sender following `preset` puts on a request. */
export function signWithPreset(presetId: SignaturePresetId, input: PresetSignInput): Record<string, string> {
	const preset = SIGNATURE_PRESETS[presetId];
	if (presetId === 'standardWebhooks') {
		return signStandardWebhook({ secret: input.secret, body: input.body, timestamp: input.timestampSec, id: input.id });
	}
	const timestamp = String(Math.floor(input.timestampSec));
	const signature = signHmac(preset.scheme, input.secret, { body: input.body, timestamp, id: input.id });
	switch (preset.timestamp.in) {
		case 'none':
			return { [preset.signatureHeader]: signature };
		case 'header':
			return { [preset.signatureHeader]: signature, [preset.timestamp.header]: timestamp };
		case 'signatureHeader':
			return { [preset.signatureHeader]: `${preset.timestamp.key}=${timestamp},${signature}` };
	}
}

export interface PresetVerifyInput {
	headers: RequestHeaders;
	/** The exact bytes received. */
	body: Buffer;
	/** Current secret first, then previous ones while rotating; blank entries are skipped. */
	secrets: string[];
	/** Allowed clock difference in seconds, both directions; 0 turns the check off. Unused where no time is signed. */
	toleranceSec: number;
	clock: Clock;
}

export interface PresetVerified {
	/** Index into `secrets` of the secret that matched (0 = current, 1+ = previous). */
	secretIndex: number;
	/** The signed send time, for presets that sign one. */
	timestampSec?: number;
	/** The sender's message id, for presets that sign one (Standard Webhooks). */
	messageId?: string;
}

/**
 * Verifies a delivery the way `preset`'s vendor signs it: a thin mapping of headers onto the one
 * HMAC verifier (or the Standard Webhooks check built on it). Every sent time is read as integer
 * unix seconds, as these vendors document it, and checked in both directions.
 */
export function verifyWithPreset(presetId: SignaturePresetId, input: PresetVerifyInput): PresetVerified {
	if (presetId === 'standardWebhooks') {
		const { id, timestampSec, secretIndex } = verifyStandardWebhook(input);
		return { secretIndex, timestampSec, messageId: id };
	}
	const preset = SIGNATURE_PRESETS[presetId];
	const signature = headerValue(input.headers, preset.signatureHeader);
	const { secretIndex, timestampSec } = verifyHmac({
		scheme: preset.scheme,
		secrets: input.secrets,
		body: input.body,
		signature,
		signatureHeaderName: preset.signatureHeader,
		...sentTimestamp(preset, input.headers, signature),
		timestampFormat: 'unixSeconds',
		toleranceSec: input.toleranceSec,
		clock: input.clock,
	});
	return { secretIndex, timestampSec };
}

/** Where `preset` puts the send time, as verifyHmac takes it; nothing for vendors that sign none. */
function sentTimestamp(
	preset: SignaturePreset,
	headers: RequestHeaders,
	signature: string | undefined,
): Pick<HmacVerification, 'timestamp' | 'timestampHeaderName'> {
	const where = preset.timestamp;
	if (where.in === 'none') return {};
	if (where.in === 'header') return { timestamp: headerValue(headers, where.header), timestampHeaderName: where.header };
	// Without the header, verifyHmac reports the header itself as missing.
	if (signature === undefined) return {};
	const timestamp = signatureHeaderEntry(signature, where.key);
	if (timestamp === undefined) {
		throw new DeliveryError('missing_header', `The ${preset.signatureHeader} header has no ${where.key}=<unix seconds> entry`);
	}
	return { timestamp, timestampHeaderName: preset.signatureHeader };
}

/** The value of the first `key=value` entry of a comma-separated header (Stripe's `t=`). */
function signatureHeaderEntry(header: string, key: string): string | undefined {
	const wanted = `${key}=`;
	for (const entry of header.split(',')) {
		const text = trimOws(entry);
		if (text.startsWith(wanted)) return text.slice(wanted.length);
	}
	return undefined;
}
