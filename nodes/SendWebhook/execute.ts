import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY } from './description';
import { buildJobs, type ItemFailure, type Job } from './jobs';
import {
	concurrencyFor,
	instanceEgressFilter,
	type NumberOptions,
	readDeliveryIdHeader,
	readNumberOptions,
	readSenderOptions,
	STRICT_LIMITS_VERSION,
} from './senderSettings';
import { readSigningSetup } from './signing';
import { DeliveryError } from '../shared/errors';
import { type OutgoingSigning, signingHeaders } from '../shared/outgoing';
import { deliver, type DeliveryOutcome, type PreparedRequest, type SenderOptions } from '../shared/sender';

type JobResult = { job: Job; outcome: DeliveryOutcome } | { job: Job; configError: string };

/** Everything one run sends with, read once (for item 0) before the first request. */
interface SendSettings {
	signing: OutgoingSigning;
	senderOptions: Partial<SenderOptions>;
	customHeaders: Array<{ name: string; value: string }>;
	deliveryIdHeader: string | undefined;
	numbers: NumberOptions;
	concurrency: number;
	/** n8n's execution cancel signal (absent in n8n versions without one). */
	cancelSignal: AbortSignal | undefined;
}

/** Refusals before anything reached the receiver: configuration or policy, not upstream failures. */
const REFUSED_CODES = new Set(['blocked_address', 'invalid_url', 'domain_not_allowed', 'egress_blocked']);

async function readSendSettings(ctx: IExecuteFunctions): Promise<SendSettings> {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
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
	const version = ctx.getNode().typeVersion;
	const concurrency = version >= STRICT_LIMITS_VERSION ? (numbers.concurrency ?? DEFAULT_CONCURRENCY) : concurrencyFor(options.concurrency, version);
	return { signing, senderOptions, customHeaders, deliveryIdHeader, numbers, concurrency, cancelSignal };
}

/** One attempt's request: called again for every retry, so signatures carry that attempt's time. */
function attemptRequest(job: Job, settings: SendSettings): PreparedRequest {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	for (const header of settings.customHeaders) if (header.name) headers[header.name.toLowerCase()] = header.value;
	if (settings.deliveryIdHeader) headers[settings.deliveryIdHeader] = job.deliveryId;
	return { body: job.body, headers: { ...headers, ...signingHeaders(settings.signing, job.body, job.deliveryId, Date.now()) } };
}

async function sendJob(ctx: IExecuteFunctions, job: Job, settings: SendSettings): Promise<JobResult> {
	try {
		const request = { url: job.url, method: job.method, deliveryId: job.deliveryId, prepare: () => attemptRequest(job, settings) };
		return { job, outcome: await deliver(request, settings.senderOptions) };
	} catch (error) {
		// The signer refuses a bad secret (e.g. a Roomle key of the wrong size): a configuration problem.
		if (error instanceof DeliveryError) return { job, configError: error.message };
		throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: job.itemIndexes[0] });
	}
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

/** Sends the jobs `concurrency` at a time; without "continue on fail", no new job starts after a failed delivery. */
async function sendJobs(ctx: IExecuteFunctions, jobs: Job[], settings: SendSettings, continueOnFail: boolean): Promise<Array<JobResult | undefined>> {
	let failed = false;
	const send = async (job: Job): Promise<JobResult> => {
		const result = await sendJob(ctx, job, settings);
		if ('outcome' in result && !result.outcome.ok) failed = true;
		return result;
	};
	return await runPool(jobs, settings.concurrency, send, () => failed && !continueOnFail);
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
 * One output item per request (a batch answers for all its items), in input order. A failure
 * stops the node unless "continue on fail" is on or the execution was cancelled.
 */
function collectOutput(
	ctx: IExecuteFunctions,
	failures: ItemFailure[],
	results: Array<JobResult | undefined>,
	continueOnFail: boolean,
	cancelSignal: AbortSignal | undefined,
): INodeExecutionData[] {
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
	return output;
}

export async function executeSendWebhook(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const continueOnFail = ctx.continueOnFail();
	const settings = await readSendSettings(ctx);
	const { jobs, failures } = buildJobs(ctx, items, settings.numbers.maxBatchSize, continueOnFail);
	const results = await sendJobs(ctx, jobs, settings, continueOnFail);
	return [collectOutput(ctx, failures, results, continueOnFail, settings.cancelSignal)];
}
