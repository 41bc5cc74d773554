/**
 * The requests to make: one per item, or the items in JSON-array batches; each with its body
 * (payload, then envelope) and a Delivery ID that is unique within the run.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DELIVERY_ID_PATTERN } from './description';
import { type Envelope, newDeliveryId, wrapPayload } from '../shared/outgoing';

type Method = 'POST' | 'PUT' | 'PATCH';

/** One HTTP request to make: a single item, or a batch of items sent as one JSON array. */
export interface Job {
	itemIndexes: number[];
	url: string;
	method: Method;
	body: Buffer;
	/** Stable across the attempts of this request; from the Delivery ID option or random. */
	deliveryId: string;
}

export interface ItemFailure {
	index: number;
	message: string;
}

export interface BuiltJobs {
	jobs: Job[];
	/** Items whose body could not be built (only collected with "continue on fail"). */
	failures: ItemFailure[];
}

/** What building the jobs of one run shares. */
interface JobBuild {
	ctx: IExecuteFunctions;
	continueOnFail: boolean;
	failures: ItemFailure[];
	uniqueDeliveryId(index: number): string;
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

/**
 * Delivery IDs that must not repeat within the run: a Delivery ID expression that is not unique
 * per request would make deduplicating receivers drop real deliveries as duplicates.
 */
function uniqueDeliveryIds(ctx: IExecuteFunctions): (index: number) => string {
	const idOwners = new Map<string, number>();
	return (index) => {
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
}

/** Without "continue on fail" a broken item stops the node; with it, only that item fails. */
function guarded<T>(build: JobBuild, index: number, work: () => T): T | undefined {
	if (!build.continueOnFail) return work();
	try {
		return work();
	} catch (error) {
		build.failures.push({ index, message: (error as Error).message });
		return undefined;
	}
}

function target(ctx: IExecuteFunctions, index: number): Pick<Job, 'url' | 'method'> {
	return {
		url: String(ctx.getNodeParameter('url', index)).trim(),
		method: ctx.getNodeParameter('method', index, 'POST') as Method,
	};
}

function perItemJobs(build: JobBuild, items: INodeExecutionData[]): Job[] {
	const { ctx } = build;
	const jobs: Job[] = [];
	for (const [index, item] of items.entries()) {
		const built = guarded(build, index, () => ({
			body: Buffer.from(JSON.stringify(envelopeFor(ctx, index, itemPayload(ctx, item, index)))),
			deliveryId: build.uniqueDeliveryId(index),
		}));
		if (built) jobs.push({ itemIndexes: [index], ...target(ctx, index), ...built });
	}
	return jobs;
}

/** Batch: the array is the payload, so an envelope (if any) wraps the whole array once. */
function batchJobs(build: JobBuild, items: INodeExecutionData[], maxBatchSize: number | undefined): Job[] {
	const { ctx, failures } = build;
	const payloads = items
		.map((item, index) => ({ index, payload: guarded(build, index, () => ({ value: itemPayload(ctx, item, index) })) }))
		.filter((entry) => entry.payload !== undefined);
	const size = typeof maxBatchSize === 'number' && maxBatchSize > 0 ? maxBatchSize : payloads.length;
	const jobs: Job[] = [];
	for (let start = 0; start < payloads.length; start += size) {
		const chunk = payloads.slice(start, start + size);
		const first = chunk[0].index;
		const built = guarded(build, first, () => ({
			body: Buffer.from(JSON.stringify(envelopeFor(ctx, first, chunk.map((entry) => entry.payload?.value)))),
			deliveryId: build.uniqueDeliveryId(first),
		}));
		if (built) jobs.push({ itemIndexes: chunk.map((entry) => entry.index), ...target(ctx, first), ...built });
		else {
			// The whole chunk failed with its first item: account for the rest too, or they vanish from the output.
			const { message } = failures[failures.length - 1];
			for (const entry of chunk.slice(1)) failures.push({ index: entry.index, message });
		}
	}
	return jobs;
}

export function buildJobs(ctx: IExecuteFunctions, items: INodeExecutionData[], maxBatchSize: number | undefined, continueOnFail: boolean): BuiltJobs {
	const build: JobBuild = { ctx, continueOnFail, failures: [], uniqueDeliveryId: uniqueDeliveryIds(ctx) };
	const jobs = ctx.getNodeParameter('mode', 0) === 'perItem' ? perItemJobs(build, items) : batchJobs(build, items, maxBatchSize);
	return { jobs, failures: build.failures };
}
