import { z } from 'zod';

import { headerValue, type RequestHeaders } from '../shared/encoding';
import { DeliveryError } from '../shared/errors';
import { SIGNATURE_PRESETS, type SignaturePresetId } from '../shared/signaturePresets';

/**
 * Every sender here posts one JSON object (or a form holding one). Their event catalogues are
 * long and change, so every field is kept as sent; only where the event type and the event's id
 * are is vendor knowledge, below.
 */
export const SignedWebhookBodySchema = z.record(z.string(), z.unknown());
export type SignedWebhookBody = z.infer<typeof SignedWebhookBodySchema>;

/** The node's *Preset* values: the published schemes, or every HMAC setting by hand. */
export type SignedWebhookPreset = SignaturePresetId | 'custom';

/** The node's *Preset* value; an expression that yields anything else leaves the node unusable (fails closed). */
export function signedWebhookPreset(value: unknown): SignedWebhookPreset {
	if (value === 'custom' || (typeof value === 'string' && Object.prototype.hasOwnProperty.call(SIGNATURE_PRESETS, value))) {
		return value as SignedWebhookPreset;
	}
	throw new DeliveryError('not_configured', 'The Preset of this node is not one it knows');
}

/** Where a Custom sender puts its event type, when the user says. */
export type CustomEventTypeSource = { from: 'header'; name: string } | { from: 'field'; path: string };

export interface SignedWebhookEvent {
	/** `meta.eventType`; `unknown` when the sender did not say. */
	eventType: string;
	/** The names the Event Filter matches: the type, and GitHub's `<event>.<action>` too. */
	filterNames: string[];
	/** Added to `meta` (GitHub's `action`). */
	extra: Record<string, unknown>;
}

const UNKNOWN = 'unknown';

function text(value: unknown): string | undefined {
	if (typeof value === 'string' && value !== '') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/** A value at a dotted path (`data.object.type`), own properties only: `constructor` is not a field. */
function fieldAt(body: SignedWebhookBody, path: string): unknown {
	let current: unknown = body;
	for (const key of path.split('.')) {
		if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/**
 * Slack's Events API wraps the event (`event_callback` → `event.type`); interactivity payloads
 * name their own `type` (`block_actions`, `view_submission`); a slash command names none and
 * carries `command` instead.
 */
function slackEventType(body: SignedWebhookBody): string | undefined {
	if (body.type === 'event_callback') return text(fieldAt(body, 'event.type'));
	return text(body.type) ?? (typeof body.command === 'string' ? 'slash_command' : undefined);
}

function presetEventType(preset: SignedWebhookPreset, headers: RequestHeaders, body: SignedWebhookBody, custom?: CustomEventTypeSource): string | undefined {
	switch (preset) {
		case 'github':
			return headerValue(headers, 'x-github-event');
		case 'shopify':
			return headerValue(headers, 'x-shopify-topic');
		case 'slack':
			return slackEventType(body);
		case 'stripe':
		case 'standardWebhooks':
			return text(body.type);
		case 'custom':
			if (!custom) return undefined;
			return custom.from === 'header' ? headerValue(headers, custom.name) : text(fieldAt(body, custom.path));
	}
}

/** What kind of event a verified delivery carries, where its vendor says so. */
export function classifySignedWebhookEvent(
	preset: SignedWebhookPreset,
	headers: RequestHeaders,
	body: SignedWebhookBody,
	custom?: CustomEventTypeSource,
): SignedWebhookEvent {
	const eventType = presetEventType(preset, headers, body, custom) ?? UNKNOWN;
	const action = preset === 'github' ? text(body.action) : undefined;
	// GitHub names an event by header and its action in the body; octokit calls the pair `issues.opened`.
	return action === undefined
		? { eventType, filterNames: [eventType], extra: {} }
		: { eventType, filterNames: [eventType, `${eventType}.${action}`], extra: { action } };
}

/** The vendor's own id of the event, the same on every re-delivery; undefined where it has none. */
export function vendorEventId(preset: SignedWebhookPreset, headers: RequestHeaders, body: SignedWebhookBody): string | undefined {
	switch (preset) {
		case 'github':
			return headerValue(headers, 'x-github-delivery');
		case 'shopify':
			// shopify.dev "Ignore duplicate webhooks" names X-Shopify-Event-Id; its delivery guide, X-Shopify-Webhook-Id.
			return headerValue(headers, 'x-shopify-event-id') ?? headerValue(headers, 'x-shopify-webhook-id');
		case 'stripe':
			return text(body.id);
		case 'slack':
			return text(body.event_id);
		case 'standardWebhooks':
			return headerValue(headers, 'webhook-id');
		case 'custom':
			return undefined;
	}
}

/**
 * Slack's handshakes, answered 200 after the signature is verified and without an execution: the
 * Events API's `url_verification` (its `challenge` echoed back) and the periodic `ssl_check=1`
 * of slash commands (nothing to answer but 200).
 */
export function slackHandshakeAnswer(body: SignedWebhookBody): Record<string, unknown> | undefined {
	if (body.type === 'url_verification' && typeof body.challenge === 'string') return { challenge: body.challenge };
	if (body.ssl_check === '1') return {};
	return undefined;
}
