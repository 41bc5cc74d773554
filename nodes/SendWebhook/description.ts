import type { IDisplayOptions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { hmacSchemeProperties } from '../shared/n8n/hmacParameters';
import type { HmacPresetId } from '../shared/outgoing';

const show = (field: string, values: Array<string | boolean>) => ({ show: { [field]: values } });

/**
 * From this version, HMAC and custom-header signing take a credential named after no vendor
 * (Webhook HMAC Secret, Webhook Header Secret) unless Credential Type says otherwise. Earlier
 * versions have no Credential Type and keep the SYNCHUB and ApiRTC credentials.
 */
export const GENERIC_CREDENTIALS_VERSION = 1.3;
const fromGenericCredentials = { '@version': [{ _cnd: { gte: GENERIC_CREDENTIALS_VERSION } }] };
const beforeGenericCredentials = { '@version': [{ _cnd: { lt: GENERIC_CREDENTIALS_VERSION } }] };

/**
 * The vendor presets Signing offers from 1.3 (nodes/shared/signaturePresets.ts): the vendor's
 * header names, signed content and encoding, with the secret from a Webhook HMAC Secret.
 */
export const HMAC_PRESET_SIGNINGS: readonly HmacPresetId[] = ['github', 'shopify', 'slack', 'stripe'];

/** The Signing choices that read the same in every version. */
const SIGNING_CHOICES = {
	apiKey: { name: 'API Key', value: 'apiKey', description: 'A key header or Authorization: Bearer, as the Event Webhook Trigger expects' },
	none: { name: 'None', value: 'none' },
	roomleToken: { name: 'Roomle Token', value: 'roomleToken', description: 'An AES token header, as Roomle sends it' },
	standardWebhooks: { name: 'Standard Webhooks', value: 'standardWebhooks', description: 'Headers webhook-ID, webhook-timestamp and webhook-signature' },
} satisfies Record<string, INodePropertyOptions>;

/** Signing (its values are stored in saved workflows), with the options one range of versions offers. */
function signingProperty(options: INodePropertyOptions[], versions: IDisplayOptions['show']): INodeProperties {
	return { displayName: 'Signing', name: 'signing', type: 'options', options, default: 'none', displayOptions: { show: versions } };
}

interface CredentialChoice {
	/** The option's name. */
	name: string;
	/** The credential's display name, as the picker lists it. */
	credential: string;
}

/** Credential Type, for a Signing choice whose secret may sit in a generic or a vendor credential. */
function credentialTypeProperty(signing: string, generic: CredentialChoice, vendor: CredentialChoice): INodeProperties {
	return {
		displayName: 'Credential Type',
		name: 'signingCredential',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: generic.name, value: 'generic', description: `A "${generic.credential}" credential, named after no vendor` },
			{
				name: vendor.name,
				value: 'vendor',
				description: `The "${vendor.credential}" credential that earlier versions of this node use: to keep using one you already have`,
			},
		],
		default: 'generic',
		displayOptions: { show: { signing: [signing], ...fromGenericCredentials } },
	};
}

/**
 * Requests in flight at once in per-item mode. Version 1.1 raised the default from 4: against a
 * receiver that answers in 50 ms, 4 in flight delivered 1000 items at under a tenth of the rate
 * of n8n's HTTP Request node (which sends every item at once, ~1000 in flight); 40 reaches
 * 0.6-0.8x of it, 100 is faster than it (bench/n8n-send.js). Version 1 keeps 4, so saved
 * workflows send as they always did.
 */
export const DEFAULT_CONCURRENCY = 40;
export const V1_DEFAULT_CONCURRENCY = 4;
/** Enforced in execute.ts too: an expression can bypass the field's maxValue. */
export const MAX_CONCURRENCY = 100;

/** Longest timeout of one phase of one attempt, and longest wait between attempts. */
const MAX_TIMEOUT_MS = 300_000;
/** n8n's own default body limit (N8N_PAYLOAD_SIZE_MAX): a response bigger than that is not data for a workflow. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface NumberLimit {
	label: string;
	min: number;
	max?: number;
	integer: boolean;
}

/**
 * What the number fields of Options accept. The fields show these bounds (typeOptions) and
 * execute.ts enforces them from version 1.2 on, because an expression (or an AI tool's answer,
 * or a hand-edited workflow) bypasses the editor's minValue/maxValue.
 */
export const OPTION_LIMITS = {
	attempts: { label: 'Attempts', min: 1, max: 10, integer: true },
	backoffBaseMs: { label: 'Backoff Base (Ms)', min: 0, max: MAX_TIMEOUT_MS, integer: false },
	backoffCapMs: { label: 'Backoff Cap (Ms)', min: 0, max: MAX_TIMEOUT_MS, integer: false },
	concurrency: { label: 'Concurrency', min: 1, max: MAX_CONCURRENCY, integer: true },
	connectTimeoutMs: { label: 'Connect Timeout (Ms)', min: 1, max: MAX_TIMEOUT_MS, integer: false },
	headersTimeoutMs: { label: 'Response Headers Timeout (Ms)', min: 1, max: MAX_TIMEOUT_MS, integer: false },
	maxBatchSize: { label: 'Max Batch Size', min: 0, integer: true },
	maxResponseBytes: { label: 'Max Response Size (Bytes)', min: 0, max: MAX_RESPONSE_BYTES, integer: true },
	maxRetryAfterMs: { label: 'Max Retry-After (Ms)', min: 0, max: MAX_TIMEOUT_MS, integer: false },
	totalTimeoutMs: { label: 'Total Timeout per Attempt (Ms)', min: 1, max: MAX_TIMEOUT_MS, integer: false },
} satisfies Record<string, NumberLimit>;

export type LimitedOption = keyof typeof OPTION_LIMITS;

const bounds = (name: LimitedOption) => {
	const limit: NumberLimit = OPTION_LIMITS[name];
	return limit.max === undefined ? { minValue: limit.min } : { minValue: limit.min, maxValue: limit.max };
};

/** Delivery ids: visible ASCII (a header value), 1 to 256 characters. */
export const DELIVERY_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

export const sendWebhookProperties: INodeProperties[] = [
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://partner.example.com/webhooks',
		description: 'Where to send the webhook (http or https, no user:password in the URL)',
	},
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		options: [
			{ name: 'PATCH', value: 'PATCH' },
			{ name: 'POST', value: 'POST' },
			{ name: 'PUT', value: 'PUT' },
		],
		default: 'POST',
	},
	{
		displayName: 'Send',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'One Request per Item', value: 'perItem' },
			{ name: 'All Items in One Request (JSON Array)', value: 'batch', description: 'The SynthesisVR style: one POST carrying an array' },
		],
		default: 'perItem',
	},
	{
		displayName: 'Body',
		name: 'bodySource',
		type: 'options',
		options: [
			{ name: 'Whole Item', value: 'item', description: 'The item\'s JSON' },
			{ name: 'One Field', value: 'field', description: 'One field of the item (dot notation)' },
			{ name: 'JSON Expression', value: 'expression', description: 'A JSON value built with an expression' },
		],
		default: 'item',
	},
	{
		displayName: 'Field',
		name: 'bodyField',
		type: 'string',
		default: 'data',
		placeholder: 'payload.event',
		displayOptions: show('bodySource', ['field']),
	},
	{
		displayName: 'JSON',
		name: 'bodyJson',
		type: 'json',
		default: '={{ $json }}',
		displayOptions: show('bodySource', ['expression']),
	},
	{
		displayName: 'Envelope',
		name: 'envelope',
		type: 'options',
		options: [
			{ name: 'None', value: 'none', description: 'Send the body as it is' },
			{ name: 'Standard Webhooks', value: 'standardWebhooks', description: '{type, timestamp, data}' },
			{ name: 'Event Webhook', value: 'eventWebhook', description: '{event_time, event_type, current_context, data}' },
		],
		default: 'none',
	},
	{
		displayName: 'Event Type',
		name: 'eventType',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'order.created',
		displayOptions: show('envelope', ['standardWebhooks', 'eventWebhook']),
	},
	{
		displayName: 'Current Context',
		name: 'currentContext',
		type: 'json',
		default: '{}',
		description: 'The current_context value of the Event Webhook envelope',
		displayOptions: show('envelope', ['eventWebhook']),
	},
	// Before 1.3: six choices. 1.3 adds the vendor presets (HMAC_PRESET_SIGNINGS); the other values
	// mean what they meant, only some option texts read better.
	signingProperty(
		[
			SIGNING_CHOICES.apiKey,
			{ name: 'Custom Header', value: 'customHeader', description: 'A secret header, as the ApiRTC Trigger expects' },
			{ name: 'HMAC Signature', value: 'hmac', description: 'Signature header, as the SYNCHUB Trigger verifies it' },
			SIGNING_CHOICES.none,
			SIGNING_CHOICES.roomleToken,
			SIGNING_CHOICES.standardWebhooks,
		],
		beforeGenericCredentials,
	),
	signingProperty(
		[
			SIGNING_CHOICES.apiKey,
			{ name: 'Custom Header', value: 'customHeader', description: 'A secret in a header of your choice, as the ApiRTC Trigger expects' },
			{ name: 'GitHub', value: 'github', description: 'X-Hub-Signature-256: sha256= and the HMAC-SHA256 of the body in hex, as GitHub signs' },
			{ name: 'HMAC (Custom)', value: 'hmac', description: 'Your choice of header, algorithm, encoding and signed content (by default as the SYNCHUB Trigger verifies)' },
			SIGNING_CHOICES.none,
			SIGNING_CHOICES.roomleToken,
			{ name: 'Shopify', value: 'shopify', description: 'X-Shopify-Hmac-Sha256: the HMAC-SHA256 of the body in base64, as Shopify signs' },
			{
				name: 'Slack',
				value: 'slack',
				description: 'X-Slack-Signature: v0= and the HMAC-SHA256 of v0:timestamp:body in hex, with X-Slack-Request-Timestamp, as Slack signs',
			},
			SIGNING_CHOICES.standardWebhooks,
			{ name: 'Stripe', value: 'stripe', description: 'Stripe-Signature: t=timestamp,v1= and the HMAC-SHA256 of timestamp.body in hex, as Stripe signs' },
		],
		fromGenericCredentials,
	),
	credentialTypeProperty(
		'hmac',
		{ name: 'Webhook HMAC Secret', credential: 'Webhook HMAC Secret API' },
		{ name: 'SYNCHUB Webhook', credential: 'SYNCHUB Webhook (HMAC Secret) API' },
	),
	credentialTypeProperty(
		'customHeader',
		{ name: 'Webhook Header Secret', credential: 'Webhook Header Secret API' },
		{ name: 'ApiRTC Webhook', credential: 'ApiRTC Webhook API' },
	),
	{
		// n8n's editor draws the credential picker where a parameter of this type is: right after
		// the Signing choice (and its Credential Type) that decides which credential is needed.
		// Without it, the picker lands above Signing.
		displayName: '',
		name: 'credentials',
		type: 'credentials',
		default: '',
	},
	...hmacSchemeProperties(
		show('signing', ['hmac']),
		'Header carrying the unix time of each attempt. Required for "Timestamp + Raw Body".',
	),
	{
		displayName: 'Token Header Name',
		name: 'headerName',
		type: 'string',
		default: 'token',
		displayOptions: show('signing', ['roomleToken']),
	},
	{
		displayName: 'Token Algorithm',
		name: 'roomleAlgorithm',
		type: 'options',
		options: [
			{ name: '02 (AES-ECB)', value: '02' },
			{ name: '01 (AES-CBC, Zero IV)', value: '01' },
		],
		default: '02',
		displayOptions: show('signing', ['roomleToken']),
	},
	{
		displayName: 'Send Key As',
		name: 'apiKeyPlacement',
		type: 'options',
		options: [
			{ name: 'Header', value: 'header' },
			{ name: 'Authorization: Bearer', value: 'bearer' },
		],
		default: 'header',
		displayOptions: show('signing', ['apiKey']),
	},
	{
		displayName: 'Key Header Name',
		name: 'keyHeaderName',
		type: 'string',
		default: 'x-api-key',
		displayOptions: { show: { signing: ['apiKey'], apiKeyPlacement: ['header'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Attempts',
				name: 'attempts',
				type: 'number',
				typeOptions: bounds('attempts'),
				default: 3,
				description:
					'Total tries per request. Retried: network errors, timeouts, 408, 425, 429 and 5xx. Never retried: other 4xx, 3xx (redirects are not followed), 410.',
			},
			{
				displayName: 'Backoff Base (Ms)',
				name: 'backoffBaseMs',
				type: 'number',
				typeOptions: bounds('backoffBaseMs'),
				default: 500,
				description: 'Retry n waits a random time between 0 and min(cap, base × 2^(n-1)) (full jitter)',
			},
			{
				displayName: 'Backoff Cap (Ms)',
				name: 'backoffCapMs',
				type: 'number',
				typeOptions: bounds('backoffCapMs'),
				default: 10000,
			},
			{
				displayName: 'Block Private Addresses',
				name: 'blockPrivateAddresses',
				type: 'boolean',
				default: true,
				description:
					'Whether to refuse loopback, private, link-local (cloud metadata), CGNAT, unique-local and multicast destinations. IP addresses in the URL are checked before connecting, and every DNS answer at connect time, on the address connected to. Through a proxy (HTTP_PROXY / HTTPS_PROXY), the node resolves and checks the name itself and asks the proxy to connect to that checked address, so the proxy cannot resolve it differently. n8n\'s own egress settings (N8N_SSRF_*) apply as well. Turn off only to reach services on your own network.',
			},
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 50 },
				default: V1_DEFAULT_CONCURRENCY,
				description: 'Requests in flight at once (one request per item)',
				displayOptions: { show: { '@version': [1] } },
			},
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: bounds('concurrency'),
				default: DEFAULT_CONCURRENCY,
				description: `Requests in flight at once (one request per item; at most ${MAX_CONCURRENCY}). More is faster with a slow receiver but loads it harder: ${DEFAULT_CONCURRENCY} in flight is up to ${DEFAULT_CONCURRENCY * 20} requests/s to a receiver that answers in 50 ms. Lower it for a fragile receiver.`,
				displayOptions: { show: { '@version': [{ _cnd: { gte: 1.1 } }] } },
			},
			{
				displayName: 'Connect Timeout (Ms)',
				name: 'connectTimeoutMs',
				type: 'number',
				typeOptions: bounds('connectTimeoutMs'),
				default: 5000,
			},
			{
				displayName: 'Custom Headers',
				name: 'customHeaders',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				options: [
					{
						displayName: 'Header',
						name: 'header',
						values: [
							{ displayName: 'Name', name: 'name', type: 'string', default: '' },
							{ displayName: 'Value', name: 'value', type: 'string', default: '' },
						],
					},
				],
			},
			{
				displayName: 'Delivery ID',
				name: 'deliveryId',
				type: 'string',
				default: '',
				placeholder: 'e.g. {{ $json.eventId }}',
				description:
					'The ID of each request (webhook-ID in Standard Webhooks, the Delivery ID Header for other schemes), the same on every attempt. Empty: a new random msg_... per request. Use an expression that gives the same value when the same data is sent again, e.g. the ID of the event being forwarded, or a field an earlier node set from the execution ID and {{ $itemIndex }} (a Retry of a failed execution in n8n keeps the output of earlier nodes but gets a new execution ID), so receivers can drop a re-sent duplicate. Must be unique per request, visible ASCII, at most 256 characters.',
			},
			{
				displayName: 'Delivery ID Header',
				name: 'deliveryIdHeader',
				type: 'string',
				default: '',
				placeholder: 'X-Delivery-ID',
				description:
					'Also send the delivery ID in this header, for receivers that deduplicate on it. Standard Webhooks always sends it as webhook-ID; other schemes send no ID unless a header is named here.',
			},
			{
				displayName: 'Max Batch Size',
				name: 'maxBatchSize',
				type: 'number',
				typeOptions: bounds('maxBatchSize'),
				default: 0,
				description: 'All items in one request: at most this many per request (0 = no limit)',
			},
			{
				displayName: 'Max Response Size (Bytes)',
				name: 'maxResponseBytes',
				type: 'number',
				typeOptions: bounds('maxResponseBytes'),
				default: 1048576,
				description: 'Longer response bodies are cut (bodyTruncated: true); the delivery still counts',
			},
			{
				displayName: 'Max Retry-After (Ms)',
				name: 'maxRetryAfterMs',
				type: 'number',
				typeOptions: bounds('maxRetryAfterMs'),
				default: 30000,
				description: 'Longest wait honoured from a Retry-After header',
			},
			{
				displayName: 'Response Headers',
				name: 'responseHeaders',
				type: 'string',
				default: 'content-type, retry-after, x-request-ID',
				description: 'Comma-separated response headers to copy into the output',
			},
			{
				displayName: 'Response Headers Timeout (Ms)',
				name: 'headersTimeoutMs',
				type: 'number',
				typeOptions: bounds('headersTimeoutMs'),
				default: 10000,
			},
			{
				displayName: 'Timeout Preset',
				name: 'preset',
				type: 'options',
				options: [
					{ name: 'Custom (Fields Here)', value: 'custom' },
					{ name: 'SynthesisVR (2 S, No Retries)', value: 'synthesisVr' },
				],
				default: 'custom',
				description: 'SynthesisVR waits at most 2 seconds and never retries: test a receiver the way it will be called',
			},
			{
				displayName: 'Total Timeout per Attempt (Ms)',
				name: 'totalTimeoutMs',
				type: 'number',
				typeOptions: bounds('totalTimeoutMs'),
				default: 10000,
				description: 'Deadline for one attempt: connect, headers and the whole body',
			},
		],
	},
];
