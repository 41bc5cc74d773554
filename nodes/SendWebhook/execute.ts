import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	DEFAULT_CONCURRENCY,
	DELIVERY_ID_PATTERN,
	type LimitedOption,
	MAX_CONCURRENCY,
	type NumberLimit,
	OPTION_LIMITS,
	V1_DEFAULT_CONCURRENCY,
} from './description';
import { DeliveryError } from '../shared/errors';
import type { HmacAlgorithm, SignatureEncoding, SignedContent } from '../shared/hmac';
import { type Envelope, newDeliveryId, type OutgoingSigning, signingHeaders, wrapPayload } from '../shared/outgoing';
import type { RoomleAlgorithm } from '../shared/roomleToken';
import {
	type AllowedDomains,
	AllowedDomainsError,
	deliver,
	type DeliveryOutcome,
	type EgressFilter,
	parseAllowedDomains,
	type SenderOptions,
	SYNTHESISVR_PRESET,
} from '../shared/sender';

type Method = 'POST' | 'PUT' | 'PATCH';

/** One HTTP request to make: a single item, or a batch of items sent as one JSON array. */
interface Job {
	itemIndexes: number[];
	url: string;
	method: Method;
	body: Buffer;
	/** Stable across the attempts of this request; from the Delivery ID option or random. */
	deliveryId: string;
}

/** The version whose number options fail outside the editor's bounds (see SendWebhook.node.ts). */
const STRICT_LIMITS_VERSION = 1.2;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-type']);

type JobResult = { job: Job; outcome: DeliveryOutcome } | { job: Job; configError: string };

const CREDENTIAL_BY_SCHEME: Record<Exclude<OutgoingSigning['scheme'], 'none'>, string> = {
	hmac: 'synchubWebhookApi',
	standardWebhooks: 'standardWebhooksApi',
	roomleToken: 'roomleWebhookApi',
	apiKey: 'eventWebhookApi',
	customHeader: 'apiRtcWebhookApi',
};

interface SigningSetup {
	signing: OutgoingSigning;
	/** The credential's Allowed Domains; null: any host (the field is empty, or no credential). */
	allowedDomains: AllowedDomains | null;
}

async function readSigningSetup(ctx: IExecuteFunctions): Promise<SigningSetup> {
	const scheme = ctx.getNodeParameter('signing', 0) as OutgoingSigning['scheme'];
	if (scheme === 'none') return { signing: { scheme }, allowedDomains: null };
	const credentials = await ctx.getCredentials(CREDENTIAL_BY_SCHEME[scheme]);
	let allowedDomains: AllowedDomains | null;
	try {
		allowedDomains = parseAllowedDomains(credentials.allowedDomains);
	} catch (error) {
		const message = error instanceof AllowedDomainsError ? error.message : `Allowed Domains: ${(error as Error).message}`;
		throw new NodeOperationError(ctx.getNode(), `The credential's ${message}`, { itemIndex: 0 });
	}
	return { signing: readSigning(ctx, scheme, credentials), allowedDomains };
}

function readSigning(ctx: IExecuteFunctions, scheme: Exclude<OutgoingSigning['scheme'], 'none'>, credentials: IDataObject): OutgoingSigning {
	const text = (name: string) => String(credentials[name] ?? '');
	const param = (name: string, fallback = '') => String(ctx.getNodeParameter(name, 0, fallback)).trim();
	const required = (value: string, label: string) => {
		if (value === '') throw new NodeOperationError(ctx.getNode(), `${label} is empty in the credential`, { itemIndex: 0 });
		return value;
	};
	switch (scheme) {
		case 'hmac':
			return {
				scheme,
				secret: required(text('secret'), 'The HMAC secret'),
				signatureHeader: param('signatureHeader', 'x-synchub-signature'),
				timestampHeader: param('timestampHeader') || undefined,
				hmac: {
					algorithm: param('algorithm', 'sha256') as HmacAlgorithm,
					encoding: param('encoding', 'hex') as SignatureEncoding,
					prefix: String(ctx.getNodeParameter('signaturePrefix', 0, '')),
					signedContent: param('signedContent', 'body') as SignedContent,
				},
			};
		case 'standardWebhooks':
			return { scheme, secret: required(text('secret'), 'The signing secret') };
		case 'roomleToken':
			return {
				scheme,
				apiKey: required(text('apiKey'), 'The Roomle api key'),
				secret: required(text('secret'), 'The Roomle secret'),
				headerName: param('headerName', 'token'),
				algorithm: param('roomleAlgorithm', '02') as RoomleAlgorithm,
			};
		case 'apiKey':
			return {
				scheme,
				apiKey: required(text('apiKey'), 'The API key'),
				headerName: param('keyHeaderName', 'x-api-key'),
				bearer: param('apiKeyPlacement', 'header') === 'bearer',
			};
		case 'customHeader':
			return { scheme, headerName: required(text('headerName'), 'The header name'), value: required(text('secret'), 'The header value') };
	}
}

/**
 * The number options, checked against OPTION_LIMITS. Options are evaluated once, for item 0,
 * so that is the item a message names. From version 1.2 every bound is enforced and a value
 * that is not a number fails; versions 1 and 1.1 keep what they did (a non-number is ignored,
 * values above the maximum are used, Concurrency is clamped), and only the values the sender
 * refused anyway (below the minimum, fractions where a whole number is needed) fail, with this
 * clearer message.
 */
function readNumberOptions(ctx: IExecuteFunctions, options: IDataObject): Partial<Record<LimitedOption, number>> {
	const strict = ctx.getNode().typeVersion >= STRICT_LIMITS_VERSION;
	const out: Partial<Record<LimitedOption, number>> = {};
	for (const name of Object.keys(OPTION_LIMITS) as LimitedOption[]) {
		const limit: NumberLimit = OPTION_LIMITS[name];
		const raw = options[name];
		if (raw === undefined || raw === null) continue;
		const range = limit.max === undefined ? `at least ${limit.min}` : `from ${limit.min} to ${limit.max}`;
		const rule = `${limit.integer ? 'a whole number' : 'a number'} ${range}`;
		const fail = (shown: string) =>
			new NodeOperationError(ctx.getNode(), `Options → ${limit.label} is ${shown} (evaluated for item 0): it must be ${rule}`, {
				itemIndex: 0,
			});
		// Expressions often produce numbers as text: accepted from 1.2 (before, only numbers counted).
		const value = strict && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
		if (typeof value !== 'number') {
			if (!strict) continue;
			// The value itself is not echoed: an expression may have produced anything.
			throw fail('not a number');
		}
		if (!strict && name === 'concurrency') continue; // clamped by concurrencyFor, as in 1.0 and 1.1
		if (!strict && name === 'maxBatchSize') {
			// Never reached the sender before 1.2: anything not above 0 meant "no limit".
			out[name] = value;
			continue;
		}
		if (!Number.isFinite(value)) throw fail(Number.isNaN(value) ? 'not a number' : String(value));
		if (value < limit.min || (limit.integer && !Number.isInteger(value)) || (strict && limit.max !== undefined && value > limit.max)) {
			throw fail(String(value));
		}
		out[name] = value;
	}
	return out;
}

function readSenderOptions(
	options: IDataObject,
	numbers: Partial<Record<LimitedOption, number>>,
	signal: AbortSignal | undefined,
): Partial<SenderOptions> {
	const number = (name: LimitedOption) => numbers[name];
	const fromFields: Partial<SenderOptions> = {
		attempts: number('attempts') ?? 3,
		backoffBaseMs: number('backoffBaseMs'),
		backoffCapMs: number('backoffCapMs'),
		maxRetryAfterMs: number('maxRetryAfterMs'),
		connectTimeoutMs: number('connectTimeoutMs'),
		headersTimeoutMs: number('headersTimeoutMs') ?? 10_000,
		totalTimeoutMs: number('totalTimeoutMs') ?? 10_000,
		maxResponseBytes: number('maxResponseBytes'),
		blockPrivateAddresses: options.blockPrivateAddresses !== false,
		responseHeaders:
			typeof options.responseHeaders === 'string'
				? options.responseHeaders.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean)
				: undefined,
		signal,
	};
	return options.preset === 'synthesisVr' ? { ...fromFields, ...SYNTHESISVR_PRESET } : fromFields;
}

function readPath(json: IDataObject, path: string): unknown {
	return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as IDataObject)[key] : undefined), json);
}

/** The payload of one item, before any envelope; a problem names the item. */
function itemPayload(ctx: IExecuteFunctions, item: INodeExecutionData, index: number): unknown {
	const source = ctx.getNodeParameter('bodySource', index) as string;
	if (source === 'item') return item.json;
	if (source === 'field') {
		const field = ctx.getNodeParameter('bodyField', index) as string;
		const value = readPath(item.json, field);
		if (value === undefined) throw new NodeOperationError(ctx.getNode(), `Item ${index} has no field "${field}"`, { itemIndex: index });
		return value;
	}
	const raw = ctx.getNodeParameter('bodyJson', index) as unknown;
	if (typeof raw !== 'string') return raw;
	try {
		return JSON.parse(raw) as unknown;
	} catch {
		throw new NodeOperationError(ctx.getNode(), `The JSON body of item ${index} is not valid JSON`, { itemIndex: index });
	}
}

function envelopeFor(ctx: IExecuteFunctions, index: number, payload: unknown): unknown {
	const envelope = ctx.getNodeParameter('envelope', index) as Envelope;
	if (envelope === 'none') return payload;
	const eventType = String(ctx.getNodeParameter('eventType', index, '')).trim();
	if (eventType === '') throw new NodeOperationError(ctx.getNode(), 'Event Type is empty', { itemIndex: index });
	let context: unknown = null;
	if (envelope === 'eventWebhook') {
		const raw = ctx.getNodeParameter('currentContext', index, '{}') as unknown;
		try {
			context = typeof raw === 'string' ? (raw.trim() === '' ? null : (JSON.parse(raw) as unknown)) : raw;
		} catch {
			throw new NodeOperationError(ctx.getNode(), `Current Context of item ${index} is not valid JSON`, { itemIndex: index });
		}
	}
	return wrapPayload(envelope, payload, eventType, new Date(), context);
}

interface BuiltJobs {
	jobs: Job[];
	/** Items whose body could not be built (only collected with "continue on fail"). */
	failures: Array<{ index: number; message: string }>;
}

/**
 * The Delivery ID of the request that starts at item `index`: the option's value (an
 * expression, evaluated for that item), or a random one when the option is empty.
 */
function deliveryIdFor(ctx: IExecuteFunctions, index: number): string {
	const raw = ctx.getNodeParameter('options.deliveryId', index, '') as unknown;
	const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
	if (text === undefined) {
		throw new NodeOperationError(ctx.getNode(), `Item ${index}: Delivery ID must be text, not ${raw === null ? 'null' : typeof raw}`, {
			itemIndex: index,
		});
	}
	if (text === '') return newDeliveryId();
	if (!DELIVERY_ID_PATTERN.test(text)) {
		// Not echoed: it goes in a header, and whatever the expression produced stays out of logs.
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${index}: Delivery ID must be 1 to 256 visible ASCII characters without spaces (got ${text.length} characters)`,
			{ itemIndex: index },
		);
	}
	return text;
}

function buildJobs(ctx: IExecuteFunctions, items: INodeExecutionData[], maxBatchSize: number | undefined, continueOnFail: boolean): BuiltJobs {
	const failures: BuiltJobs['failures'] = [];
	// A Delivery ID expression that is not unique per request would make deduplicating receivers
	// drop real deliveries as duplicates.
	const idOwners = new Map<string, number>();
	const uniqueDeliveryId = (index: number) => {
		const id = deliveryIdFor(ctx, index);
		const owner = idOwners.get(id);
		if (owner !== undefined) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Item ${index} has the same Delivery ID as item ${owner}: receivers that deduplicate would drop one of them. Make the expression unique per request (e.g. include {{ $itemIndex }}).`,
				{ itemIndex: index },
			);
		}
		idOwners.set(id, index);
		return id;
	};
	// Without "continue on fail" a broken item stops the node; with it, only that item fails.
	const guarded = <T>(index: number, build: () => T): T | undefined => {
		if (!continueOnFail) return build();
		try {
			return build();
		} catch (error) {
			failures.push({ index, message: (error as Error).message });
			return undefined;
		}
	};
	const target = (index: number) => ({
		url: String(ctx.getNodeParameter('url', index)).trim(),
		method: ctx.getNodeParameter('method', index, 'POST') as Method,
	});

	if (ctx.getNodeParameter('mode', 0) === 'perItem') {
		const jobs: Job[] = [];
		for (const [index, item] of items.entries()) {
			const built = guarded(index, () => ({
				body: Buffer.from(JSON.stringify(envelopeFor(ctx, index, itemPayload(ctx, item, index)))),
				deliveryId: uniqueDeliveryId(index),
			}));
			if (built) jobs.push({ itemIndexes: [index], ...target(index), ...built });
		}
		return { jobs, failures };
	}

	// Batch: the array is the payload, so an envelope (if any) wraps the whole array once.
	const payloads = items
		.map((item, index) => ({ index, payload: guarded(index, () => ({ value: itemPayload(ctx, item, index) })) }))
		.filter((entry) => entry.payload !== undefined);
	const size = typeof maxBatchSize === 'number' && maxBatchSize > 0 ? maxBatchSize : payloads.length;
	const jobs: Job[] = [];
	for (let start = 0; start < payloads.length; start += size) {
		const chunk = payloads.slice(start, start + size);
		const first = chunk[0].index;
		const built = guarded(first, () => ({
			body: Buffer.from(JSON.stringify(envelopeFor(ctx, first, chunk.map((entry) => entry.payload?.value)))),
			deliveryId: uniqueDeliveryId(first),
		}));
		if (built) jobs.push({ itemIndexes: chunk.map((entry) => entry.index), ...target(first), ...built });
		else {
			// The whole chunk failed with its first item: account for the rest too, or they vanish from the output.
			const { message } = failures[failures.length - 1];
			for (const entry of chunk.slice(1)) failures.push({ index: entry.index, message });
		}
	}
	return { jobs, failures };
}

/**
 * Requests in flight at once: the field's value, or the version's default when the option was
 * not added (n8n stores only the options a user added), clamped to [1, MAX_CONCURRENCY]. The
 * field's maxValue is not enough: an expression or a hand-edited workflow can carry any number.
 */
export function concurrencyFor(value: unknown, nodeVersion: number): number {
	const fallback = nodeVersion < 1.1 ? V1_DEFAULT_CONCURRENCY : DEFAULT_CONCURRENCY;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || Number.isNaN(number)) return fallback;
	return Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(number)));
}

async function runPool<T, R>(inputs: T[], limit: number, work: (input: T) => Promise<R>, stop: () => boolean): Promise<Array<R | undefined>> {
	const results: Array<R | undefined> = new Array(inputs.length);
	let next = 0;
	const worker = async () => {
		while (next < inputs.length && !stop()) {
			const index = next++;
			results[index] = await work(inputs[index]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
	return results;
}

function outputJson(outcome: DeliveryOutcome): IDataObject {
	return {
		ok: outcome.ok,
		status: outcome.status,
		attempts: outcome.attempts,
		durationMs: outcome.durationMs,
		deliveryId: outcome.deliveryId,
		headers: outcome.headers,
		body: outcome.body as IDataObject,
		bodyTruncated: outcome.bodyTruncated,
		...(outcome.error ? { error: outcome.error as unknown as IDataObject, attemptLog: outcome.attemptLog as unknown as IDataObject[] } : {}),
	};
}

/** Refusals before anything reached the receiver: configuration or policy, not upstream failures. */
const REFUSED_CODES = new Set(['blocked_address', 'invalid_url', 'domain_not_allowed', 'egress_blocked']);

function failureError(ctx: IExecuteFunctions, result: JobResult): Error {
	const itemIndex = result.job.itemIndexes[0];
	if ('configError' in result) return new NodeOperationError(ctx.getNode(), result.configError, { itemIndex });
	const { outcome } = result;
	const code = outcome.error?.code;
	const message = outcome.error?.message ?? `The receiver answered ${String(outcome.status)}`;
	if (code && REFUSED_CODES.has(code)) {
		return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${message}; nothing was sent`, { itemIndex });
	}
	return new NodeApiError(
		ctx.getNode(),
		{ message, code: code ?? 'http_status', status: outcome.status, attempts: outcome.attempts, deliveryId: outcome.deliveryId } as JsonObject,
		{
			message,
			description: `Delivery ${outcome.deliveryId} failed after ${outcome.attempts} attempt(s): ${message}`,
			httpCode: outcome.status === null ? undefined : String(outcome.status),
			itemIndex,
		},
	);
}

/**
 * n8n's instance egress policy. n8n 2.x gives nodes with their own HTTP client
 * `helpers.getSecureEgressFilter()` (a passthrough when the admin has not enabled SSRF
 * protection); n8n 1.x has no such helper, and then only Block Private Addresses applies.
 */
export function instanceEgressFilter(ctx: Pick<IExecuteFunctions, 'helpers' | 'getNode'>): EgressFilter | undefined {
	const helpers = ctx.helpers as { getSecureEgressFilter?: unknown };
	if (typeof helpers.getSecureEgressFilter !== 'function') return undefined;
	let filter: unknown;
	try {
		filter = (helpers.getSecureEgressFilter as () => unknown).call(helpers);
	} catch (error) {
		// Fail closed: the admin's policy exists but cannot be applied.
		throw new NodeOperationError(ctx.getNode(), `n8n's egress policy could not be read: ${(error as Error).message}`, { itemIndex: 0 });
	}
	const candidate = filter as Partial<EgressFilter> | undefined;
	if (typeof candidate?.validateUrl !== 'function' || typeof candidate.createSecureLookup !== 'function') return undefined;
	return candidate as EgressFilter;
}

function readDeliveryIdHeader(ctx: IExecuteFunctions, options: IDataObject): string | undefined {
	const name = typeof options.deliveryIdHeader === 'string' ? options.deliveryIdHeader.trim().toLowerCase() : '';
	if (name === '') return undefined;
	if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name)) {
		throw new NodeOperationError(ctx.getNode(), `Options → Delivery ID Header "${name.slice(0, 60)}" is not a header name the node may set`, {
			itemIndex: 0,
		});
	}
	return name;
}

export async function executeSendWebhook(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const continueOnFail = ctx.continueOnFail();
	const numbers = readNumberOptions(ctx, options);
	const { signing, allowedDomains } = await readSigningSetup(ctx);
	const cancelSignal = ctx.getExecutionCancelSignal?.();
	const senderOptions: Partial<SenderOptions> = {
		...readSenderOptions(options, numbers, cancelSignal),
		allowedDomains,
		egressFilter: instanceEgressFilter(ctx),
	};
	const customHeaders = ((options.customHeaders as IDataObject | undefined)?.header as Array<{ name: string; value: string }> | undefined) ?? [];
	const deliveryIdHeader = readDeliveryIdHeader(ctx, options);

	const { jobs, failures } = buildJobs(ctx, items, numbers.maxBatchSize, continueOnFail);

	let failed = false;
	const concurrency =
		ctx.getNode().typeVersion >= STRICT_LIMITS_VERSION
			? (numbers.concurrency ?? DEFAULT_CONCURRENCY)
			: concurrencyFor(options.concurrency, ctx.getNode().typeVersion);
	const results = await runPool(
		jobs,
		concurrency,
		async (job): Promise<JobResult> => {
			const { deliveryId } = job;
			let outcome: DeliveryOutcome;
			try {
				outcome = await deliver(
					{
						url: job.url,
						method: job.method,
						deliveryId,
						prepare: () => {
							const headers: Record<string, string> = { 'content-type': 'application/json' };
							for (const header of customHeaders) if (header.name) headers[header.name.toLowerCase()] = header.value;
							if (deliveryIdHeader) headers[deliveryIdHeader] = deliveryId;
							return { body: job.body, headers: { ...headers, ...signingHeaders(signing, job.body, deliveryId, Date.now()) } };
						},
					},
					senderOptions,
				);
			} catch (error) {
				// The signer refuses a bad secret (e.g. a Roomle key of the wrong size): a configuration problem.
				if (error instanceof DeliveryError) return { job, configError: error.message };
				throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: job.itemIndexes[0] });
			}
			if (!outcome.ok) failed = true;
			return { job, outcome };
		},
		() => failed && !continueOnFail,
	);

	const output: INodeExecutionData[] = failures.map(({ index, message }) => ({
		json: { ok: false, error: { code: 'invalid_item', message } },
		pairedItem: [{ item: index }],
	}));
	for (const result of results) {
		if (result === undefined) continue; // not started after an earlier failure
		const pairedItem: IPairedItemData[] = result.job.itemIndexes.map((item) => ({ item }));
		if ('configError' in result || !result.outcome.ok) {
			const error = failureError(ctx, result);
			// A stopped execution is not a failed one: n8n records it as cancelled (and runs no error
			// workflow) only if the node does not turn the aborted deliveries into an error.
			if (!continueOnFail && !cancelSignal?.aborted) throw error;
			output.push({
				json: 'configError' in result ? { ok: false, error: { code: 'not_configured', message: result.configError } } : outputJson(result.outcome),
				pairedItem,
			});
			continue;
		}
		output.push({ json: outputJson(result.outcome), pairedItem });
	}
	// Keep the input order: items come out in the order they went in.
	const firstItem = (item: INodeExecutionData) => (item.pairedItem as IPairedItemData[])[0].item;
	output.sort((a, b) => firstItem(a) - firstItem(b));
	return [output];
}
