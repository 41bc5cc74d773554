import type {
	IDataObject,
	INodeProperties,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import type { CommonOptions, Delivery, ReceiveResult } from '../delivery';
import { DeliveryError } from '../errors';

/**
 * The only place that turns an n8n webhook request into items or an error answer.
 * A rejected delivery is answered here (4xx + short JSON) and returns `noWebhookResponse`,
 * so n8n starts no execution; throwing would record a failed execution and answer 500.
 */
export async function handleDelivery<S>(
	ctx: IWebhookFunctions,
	loadSettings: () => Promise<S>,
	receive: (delivery: Delivery, settings: S) => ReceiveResult,
	options: { respondImmediately: boolean },
): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject();
	const res = ctx.getResponseObject();
	// typeVersion 1: n8n has read the exact bytes into rawBody. From typeVersion 2 it reads only
	// the content types it can parse, so read them ourselves: signatures are checked over the
	// raw bytes whatever the Content-Type says (missing, application/JSON, text/plain, odd ones).
	if (!Buffer.isBuffer(req.rawBody) && typeof req.readRawBody === 'function') await req.readRawBody();
	const delivery: Delivery = {
		body: Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
		headers: req.headers,
		query: (req.query ?? {}) as Record<string, unknown>,
		ip: req.ip ?? req.socket?.remoteAddress,
		receivedAt: new Date(),
	};

	let result: ReceiveResult;
	let stage: 'settings' | 'receive' = 'settings';
	try {
		const settings = await loadSettings();
		stage = 'receive';
		result = receive(delivery, settings);
	} catch (error) {
		const failure = toDeliveryError(error, stage);
		if (!(error instanceof DeliveryError)) {
			// Never the message: it could quote a credential. The name is enough to find the bug.
			ctx.logger.warn(`Webhook delivery rejected after an unexpected ${(error as Error)?.name ?? 'error'} (${stage})`);
		}
		res.status(failure.status).json(failure.toResponse());
		return { noWebhookResponse: true };
	}

	const summary = { received: true, accepted: result.items.length, ignored: result.ignored };
	if (result.items.length === 0) {
		// Everything was filtered out: acknowledge, but start no execution.
		res.status(200).json(summary);
		return { noWebhookResponse: true };
	}
	return {
		workflowData: [result.items.map((item) => ({ json: item as unknown as IDataObject }))],
		...(options.respondImmediately ? { webhookResponse: summary } : {}),
	};
}

function toDeliveryError(error: unknown, stage: 'settings' | 'receive'): DeliveryError {
	if (error instanceof DeliveryError) return error;
	return stage === 'settings'
		? new DeliveryError('not_configured', 'The node credentials are missing or cannot be read')
		: new DeliveryError('bad_payload', 'The delivery could not be processed');
}

/** n8n's webhook description for these triggers: POST to `/webhook/<webhookId>/webhook`. */
export function webhookDescription(responseMode: string, responseData: string): IWebhookDescription[] {
	return [
		{
			name: 'default',
			httpMethod: 'POST',
			responseMode,
			responseData,
			path: 'webhook',
		},
	];
}

/** Respond immediately; `responseData: ''` makes n8n answer with our `webhookResponse` summary. */
export const RESPOND_ON_RECEIVED = webhookDescription('onReceived', '');

/**
 * These vendors are configured by hand in their consoles: there is nothing to register, so
 * `checkExists` says yes and n8n never calls `create`.
 */
export const manualWebhookMethods = {
	default: {
		async checkExists(): Promise<boolean> {
			return true;
		},
		async create(): Promise<boolean> {
			return true;
		},
		async delete(): Promise<boolean> {
			return true;
		},
	},
};

export const commonOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Allowed IP Addresses',
			name: 'allowedIps',
			type: 'string',
			default: '',
			placeholder: '203.0.113.0/24, 2001:db8::/32',
			description:
				'Comma-separated IP addresses or CIDR ranges (IPv4 and IPv6) allowed to call this webhook. Empty allows every address. Behind a reverse proxy, set N8N_PROXY_HOPS so n8n sees the client address.',
		},
		{
			displayName: 'Include Request Headers',
			name: 'includeHeaders',
			type: 'boolean',
			default: false,
			description: 'Whether to add the request headers to meta.headers (secret-bearing headers are redacted)',
		},
	],
};

export function readCommonOptions(ctx: IWebhookFunctions): CommonOptions {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	return {
		allowedIps: typeof options.allowedIps === 'string' ? options.allowedIps : undefined,
		includeHeaders: options.includeHeaders === true,
	};
}

/** Reads a multi-select parameter as a string list. */
export function readList(ctx: IWebhookFunctions, name: string): string[] {
	const value = ctx.getNodeParameter(name, []) as unknown;
	return Array.isArray(value) ? value.map(String) : [];
}

