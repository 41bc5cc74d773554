import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY, V1_DEFAULT_CONCURRENCY } from './description';
import { DeliveryError } from '../shared/errors';
import type { HmacAlgorithm, SignatureEncoding, SignedContent } from '../shared/hmac';
import { type Envelope, newDeliveryId, type OutgoingSigning, signingHeaders, wrapPayload } from '../shared/outgoing';
import type { RoomleAlgorithm } from '../shared/roomleToken';
import { deliver, type DeliveryOutcome, type SenderOptions, SYNTHESISVR_PRESET } from '../shared/sender';

type Method = 'POST' | 'PUT' | 'PATCH';

/** One HTTP request to make: a single item, or a batch of items sent as one JSON array. */
interface Job {
	itemIndexes: number[];
	url: string;
	method: Method;
	body: Buffer;
}

type JobResult = { job: Job; outcome: DeliveryOutcome } | { job: Job; configError: string };

const CREDENTIAL_BY_SCHEME: Record<Exclude<OutgoingSigning['scheme'], 'none'>, string> = {
	hmac: 'synchubWebhookApi',
	standardWebhooks: 'standardWebhooksApi',
	roomleToken: 'roomleWebhookApi',
	apiKey: 'eventWebhookApi',
	customHeader: 'apiRtcWebhookApi',
};

async function readSigning(ctx: IExecuteFunctions): Promise<OutgoingSigning> {
	const scheme = ctx.getNodeParameter('signing', 0) as OutgoingSigning['scheme'];
	if (scheme === 'none') return { scheme };
	const credentials = await ctx.getCredentials(CREDENTIAL_BY_SCHEME[scheme]);
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

function readSenderOptions(options: IDataObject, signal: AbortSignal | undefined): Partial<SenderOptions> {
	const number = (name: string) => (typeof options[name] === 'number' ? (options[name] as number) : undefined);
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

function buildJobs(ctx: IExecuteFunctions, items: INodeExecutionData[], options: IDataObject, continueOnFail: boolean): BuiltJobs {
	const failures: BuiltJobs['failures'] = [];
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
			const body = guarded(index, () => Buffer.from(JSON.stringify(envelopeFor(ctx, index, itemPayload(ctx, item, index)))));
			if (body) jobs.push({ itemIndexes: [index], ...target(index), body });
		}
		return { jobs, failures };
	}

	// Batch: the array is the payload, so an envelope (if any) wraps the whole array once.
	const payloads = items
		.map((item, index) => ({ index, payload: guarded(index, () => ({ value: itemPayload(ctx, item, index) })) }))
		.filter((entry) => entry.payload !== undefined);
	const size = typeof options.maxBatchSize === 'number' && options.maxBatchSize > 0 ? options.maxBatchSize : payloads.length;
	const jobs: Job[] = [];
	for (let start = 0; start < payloads.length; start += size) {
		const chunk = payloads.slice(start, start + size);
		const first = chunk[0].index;
		const body = guarded(first, () =>
			Buffer.from(JSON.stringify(envelopeFor(ctx, first, chunk.map((entry) => entry.payload?.value)))),
		);
		if (body) jobs.push({ itemIndexes: chunk.map((entry) => entry.index), ...target(first), body });
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

function failureError(ctx: IExecuteFunctions, result: JobResult): Error {
	const itemIndex = result.job.itemIndexes[0];
	if ('configError' in result) return new NodeOperationError(ctx.getNode(), result.configError, { itemIndex });
	const { outcome } = result;
	const code = outcome.error?.code;
	const message = outcome.error?.message ?? `The receiver answered ${String(outcome.status)}`;
	// A refused URL is a configuration problem, not an upstream failure.
	if (code === 'blocked_address' || code === 'invalid_url') return new NodeOperationError(ctx.getNode(), message, { itemIndex });
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

export async function executeSendWebhook(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const continueOnFail = ctx.continueOnFail();
	const signing = await readSigning(ctx);
	const cancelSignal = ctx.getExecutionCancelSignal?.();
	const senderOptions = readSenderOptions(options, cancelSignal);
	const customHeaders = ((options.customHeaders as IDataObject | undefined)?.header as Array<{ name: string; value: string }> | undefined) ?? [];

	const { jobs, failures } = buildJobs(ctx, items, options, continueOnFail);

	let failed = false;
	const concurrency = concurrencyFor(options.concurrency, ctx.getNode().typeVersion);
	const results = await runPool(
		jobs,
		concurrency,
		async (job): Promise<JobResult> => {
			const deliveryId = newDeliveryId();
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
