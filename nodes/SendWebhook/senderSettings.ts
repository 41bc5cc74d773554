/**
 * What the sender is told, read from the node: the number options (bounds per node version),
 * the timeouts and retries, how many requests are in flight, the Delivery ID header, and n8n's
 * egress policy.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY, type LimitedOption, MAX_CONCURRENCY, type NumberLimit, OPTION_LIMITS, V1_DEFAULT_CONCURRENCY } from './description';
import { type EgressFilter, type SenderOptions, SYNTHESISVR_PRESET } from '../shared/sender';

/** The version whose number options fail outside the editor's bounds (see SendWebhook.node.ts). */
export const STRICT_LIMITS_VERSION = 1.2;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-type']);

export type NumberOptions = Partial<Record<LimitedOption, number>>;

/**
 * The number options, checked against OPTION_LIMITS. Options are evaluated once, for item 0,
 * so that is the item a message names. From version 1.2 every bound is enforced and a value
 * that is not a number fails; versions 1 and 1.1 keep what they did (a non-number is ignored,
 * values above the maximum are used, Concurrency is clamped), and only the values the sender
 * refused anyway (below the minimum, fractions where a whole number is needed) fail, with this
 * clearer message.
 */
export function readNumberOptions(ctx: IExecuteFunctions, options: IDataObject): NumberOptions {
	const strict = ctx.getNode().typeVersion >= STRICT_LIMITS_VERSION;
	const out: NumberOptions = {};
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

export function readSenderOptions(options: IDataObject, numbers: NumberOptions, signal: AbortSignal | undefined): Partial<SenderOptions> {
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

/**
 * Requests in flight at once before version 1.2: the field's value, or the version's default
 * when the option was not added (n8n stores only the options a user added), clamped to [1,
 * MAX_CONCURRENCY]. The field's maxValue is not enough: an expression or a hand-edited workflow
 * can carry any number.
 */
export function concurrencyFor(value: unknown, nodeVersion: number): number {
	const fallback = nodeVersion < 1.1 ? V1_DEFAULT_CONCURRENCY : DEFAULT_CONCURRENCY;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || Number.isNaN(number)) return fallback;
	return Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(number)));
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

export function readDeliveryIdHeader(ctx: IExecuteFunctions, options: IDataObject): string | undefined {
	const name = typeof options.deliveryIdHeader === 'string' ? options.deliveryIdHeader.trim().toLowerCase() : '';
	if (name === '') return undefined;
	if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name)) {
		throw new NodeOperationError(ctx.getNode(), `Options → Delivery ID Header "${name.slice(0, 60)}" is not a header name the node may set`, {
			itemIndex: 0,
		});
	}
	return name;
}
