import { admitDelivery, buildMeta, type CommonOptions, type Delivery, matchesEventType, type ReceiveResult } from '../shared/delivery';
import { headerValue } from '../shared/encoding';
import { DeliveryError } from '../shared/errors';
import { type ConfiguredHmac, verifyConfiguredHmac, type VerifiedDelivery } from '../shared/configuredHmac';
import { bodyFingerprint } from '../shared/hmac';
import { signedContentReplay } from '../shared/replay';
import { SIGNATURE_PRESETS, type SignaturePresetId, verifyWithPreset } from '../shared/signaturePresets';
import type { Clock } from '../shared/timestamps';
import { decodeUtf8Body, parseJsonBody, parseJsonText, parseWith } from '../shared/validation';
import {
	classifySignedWebhookEvent,
	type CustomEventTypeSource,
	type SignedWebhookBody,
	SignedWebhookBodySchema,
	slackHandshakeAnswer,
	vendorEventId,
} from './schema';

type PresetVerification = { preset: SignaturePresetId; secrets: string[]; toleranceSec: number };
type CustomVerification = ConfiguredHmac & { preset: 'custom' };
export type SignedWebhookVerification = PresetVerification | CustomVerification;

export interface SignedWebhookSettings extends CommonOptions {
	verification: SignedWebhookVerification;
	/** Custom only: where the sender puts the event type, if the user said. */
	customEventType?: CustomEventTypeSource;
	/** The Event Filter: exact types or `prefix*` patterns; empty passes every event. */
	eventTypes?: string[];
}

function verifyPreset(delivery: Delivery, v: PresetVerification, clock: Clock): VerifiedDelivery {
	const { secretIndex, timestampSec, messageId } = verifyWithPreset(v.preset, {
		headers: delivery.headers,
		body: delivery.body,
		secrets: v.secrets,
		toleranceSec: v.toleranceSec,
		clock,
	});
	return {
		verification: {
			method: v.preset === 'standardWebhooks' ? 'standardWebhooks' : 'hmac',
			preset: v.preset,
			header: SIGNATURE_PRESETS[v.preset].signatureHeader,
			secretIndex,
			// GitHub and Shopify sign no time: a captured delivery stays valid (dedup on meta.dedupKey).
			timestampSigned: timestampSec !== undefined,
			...(messageId !== undefined ? { messageId } : {}),
		},
		replay: signedContentReplay(delivery.body, timestampSec, v.toleranceSec, messageId),
	};
}

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';
/** A form component (`+` is a space); a malformed %-escape, or one that is not UTF-8, is refused. */
function decodeFormComponent(text: string): string {
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		throw new DeliveryError('bad_payload', 'The form body has a malformed %-escape');
	}
}

/** A form's fields, the first value of a repeated one kept (as for headers). */
function formFields(body: Buffer): Map<string, string> {
	const text = decodeUtf8Body(body);
	if (text.trim() === '') throw new DeliveryError('bad_payload', 'The body is empty; a form was expected');
	const fields = new Map<string, string>();
	for (const pair of text.split('&')) {
		if (pair === '') continue;
		const eq = pair.indexOf('=');
		const name = decodeFormComponent(eq === -1 ? pair : pair.slice(0, eq));
		// Refused as in JSON bodies: a later merge in the workflow could change every object's prototype.
		if (name === '__proto__') throw new DeliveryError('bad_payload', 'The form has a __proto__ field');
		if (!fields.has(name)) fields.set(name, decodeFormComponent(eq === -1 ? '' : pair.slice(eq + 1)));
	}
	return fields;
}

/**
 * Slack (slash commands, interactivity) and GitHub (its form content type) post forms. Both put
 * the JSON event in a `payload` field: that JSON is the event, checked like a JSON body.
 * Otherwise the fields are the event, as strings (a slash command). Bytes that are not UTF-8 and
 * malformed %-escapes are refused, never replaced.
 */
function parseFormBody(body: Buffer): unknown {
	const fields = formFields(body);
	const payload = fields.get('payload');
	return payload !== undefined ? parseJsonText(payload) : Object.fromEntries(fields);
}

/** The verified bytes, parsed as the Content-Type says: a form, or JSON whatever else it says. */
function parseSignedBody(delivery: Delivery): SignedWebhookBody {
	const mediaType = headerValue(delivery.headers, 'content-type')?.split(';')[0].trim().toLowerCase();
	return parseWith(SignedWebhookBodySchema, mediaType === FORM_MEDIA_TYPE ? parseFormBody(delivery.body) : parseJsonBody(delivery.body));
}

/**
 * A delivery signed the way the node's preset (or its Custom HMAC settings) says: admit → verify
 * → parse → answer a handshake → filter → one item. Nothing is parsed before the signature holds.
 */
export function receiveSignedWebhook(delivery: Delivery, settings: SignedWebhookSettings, clock: Clock): ReceiveResult {
	admitDelivery(delivery, settings);
	const v = settings.verification;
	const verified = v.preset === 'custom' ? verifyConfiguredHmac(delivery, v, clock, { preset: 'custom' }) : verifyPreset(delivery, v, clock);
	const body = parseSignedBody(delivery);
	const handshakeAnswer = v.preset === 'slack' ? slackHandshakeAnswer(body) : undefined;
	if (handshakeAnswer !== undefined) return { items: [], ignored: 0, handshakeAnswer };

	const event = classifySignedWebhookEvent(v.preset, delivery.headers, body, settings.customEventType);
	if (!event.filterNames.some((name) => matchesEventType(settings.eventTypes, name))) return { items: [], ignored: 1, replay: verified.replay };
	const signatureHeader = v.preset === 'custom' ? v.signatureHeader : SIGNATURE_PRESETS[v.preset].signatureHeader;
	const meta = buildMeta(
		delivery,
		settings,
		{
			vendor: v.preset,
			eventType: event.eventType,
			// The vendor's event id is the same on every re-delivery of one event.
			dedupKey: vendorEventId(v.preset, delivery.headers, body) ?? `${event.eventType}:${bodyFingerprint(delivery.body)}`,
			verified: true,
			verification: verified.verification,
		},
		[signatureHeader],
		event.extra,
	);
	return { ignored: 0, replay: verified.replay, items: [{ ...body, meta }] };
}
