import type { INodeProperties } from 'n8n-workflow';

import { hmacSchemeProperties } from '../shared/n8n/hmacParameters';

const show = (field: string, values: Array<string | boolean>) => ({ show: { [field]: values } });

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
	{
		displayName: 'Signing',
		name: 'signing',
		type: 'options',
		options: [
			{ name: 'API Key', value: 'apiKey', description: 'A key header or Authorization: Bearer, as the Event Webhook Trigger expects' },
			{ name: 'Custom Header', value: 'customHeader', description: 'A secret header, as the ApiRTC Trigger expects' },
			{ name: 'HMAC Signature', value: 'hmac', description: 'Signature header, as the SYNCHUB Trigger verifies it' },
			{ name: 'None', value: 'none' },
			{ name: 'Roomle Token', value: 'roomleToken', description: 'An AES token header, as Roomle sends it' },
			{ name: 'Standard Webhooks', value: 'standardWebhooks', description: 'Headers webhook-ID, webhook-timestamp and webhook-signature' },
		],
		default: 'none',
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
				typeOptions: { minValue: 1, maxValue: 10 },
				default: 3,
				description:
					'Total tries per request. Retried: network errors, timeouts, 408, 425, 429 and 5xx. Never retried: other 4xx, 3xx (redirects are not followed), 410.',
			},
			{
				displayName: 'Backoff Base (Ms)',
				name: 'backoffBaseMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 500,
				description: 'Retry n waits a random time between 0 and min(cap, base × 2^(n-1)) (full jitter)',
			},
			{
				displayName: 'Backoff Cap (Ms)',
				name: 'backoffCapMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 10000,
			},
			{
				displayName: 'Block Private Addresses',
				name: 'blockPrivateAddresses',
				type: 'boolean',
				default: true,
				description:
					'Whether to refuse loopback, private, link-local (cloud metadata), CGNAT, unique-local and multicast destinations, checked on every DNS answer at connect time. Turn off only to reach services on your own network.',
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
				typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY },
				default: DEFAULT_CONCURRENCY,
				description: `Requests in flight at once (one request per item; at most ${MAX_CONCURRENCY}). More is faster with a slow receiver but loads it harder: ${DEFAULT_CONCURRENCY} in flight is up to ${DEFAULT_CONCURRENCY * 20} requests/s to a receiver that answers in 50 ms. Lower it for a fragile receiver.`,
				displayOptions: { show: { '@version': [{ _cnd: { gte: 1.1 } }] } },
			},
			{
				displayName: 'Connect Timeout (Ms)',
				name: 'connectTimeoutMs',
				type: 'number',
				typeOptions: { minValue: 1 },
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
				displayName: 'Max Batch Size',
				name: 'maxBatchSize',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'All items in one request: at most this many per request (0 = no limit)',
			},
			{
				displayName: 'Max Response Size (Bytes)',
				name: 'maxResponseBytes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1048576,
				description: 'Longer response bodies are cut (bodyTruncated: true); the delivery still counts',
			},
			{
				displayName: 'Max Retry-After (Ms)',
				name: 'maxRetryAfterMs',
				type: 'number',
				typeOptions: { minValue: 0 },
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
				typeOptions: { minValue: 1 },
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
				typeOptions: { minValue: 1 },
				default: 10000,
				description: 'Deadline for one attempt: connect, headers and the whole body',
			},
		],
	},
];
