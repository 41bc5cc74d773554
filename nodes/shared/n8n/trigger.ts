import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type CommonOptions, DEFAULT_MAX_BODY_KIB, type Delivery, MAX_BODY_KIB, newDelivery, type ReceiveResult } from '../delivery';
import { DeliveryError } from '../errors';
import { type ReplayIdentity, ReplayCache } from '../replay';
import { type Clock, systemClock } from '../timestamps';

/**
 * Verified deliveries seen in the last window, shared by every trigger of this process. 50,000
 * entries take about 8 MB; when full, the oldest go first (they are the nearest to expiring).
 */
const replays = new ReplayCache(50_000);

/**
 * The only place that turns an n8n webhook request into items or an error answer.
 * A rejected delivery is answered here (4xx + short JSON) and returns `noWebhookResponse`,
 * so n8n starts no execution; throwing would record a failed execution and answer 500.
 * Every rejection is logged for the operator with its detail (never a secret); the sender gets
 * only the code and a fixed reason.
 */
export async function handleDelivery<S>(
	ctx: IWebhookFunctions,
	loadSettings: (ctx: IWebhookFunctions) => Promise<S>,
	receive: (delivery: Delivery, settings: S, clock: Clock) => ReceiveResult,
	options: DeliveryOptions,
): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject();
	const res = ctx.getResponseObject();
	let result: ReceiveResult;
	let stage: Stage = 'body';
	try {
		const delivery = newDelivery({
			body: await readExactBody(req),
			headers: req.headers,
			query: (req.query ?? {}) as Record<string, unknown>,
			ip: req.ip ?? req.socket?.remoteAddress,
		});
		stage = 'settings';
		const settings = await loadSettings(ctx);
		stage = 'receive';
		result = receive(delivery, settings, systemClock);
	} catch (error) {
		const failure = toDeliveryError(error, stage);
		logRejection(ctx, failure, error);
		if (ctx.getMode() === 'manual') {
			// A delivery to the test URL, while someone listens in the editor: fail the test run
			// with the reason, so the editor does not just keep listening. (n8n answers the test
			// sender 500; production URLs keep the 4xx and start nothing.)
			throw new NodeOperationError(ctx.getNode(), `Delivery refused: ${failure.callerMessage}`, {
				description: `${failure.code}: ${failure.message}. A delivery like this to the production URL is answered ${failure.status} and starts no execution.`,
			});
		}
		res.status(failure.status).json(failure.toResponse());
		return { noWebhookResponse: true };
	}

	if (result.handshakeAnswer) {
		// Answered every time it comes (a sender repeats a handshake it did not get), never as a copy.
		res.status(200).json(result.handshakeAnswer);
		return { noWebhookResponse: true };
	}
	if (result.replay && isReplay(ctx, result.replay, options)) {
		ctx.logger.info('Webhook delivery answered as a duplicate (seen within its time window)', where(ctx));
		res.status(200).json({ received: true, duplicate: true, accepted: 0, ignored: 0 });
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

/** How a trigger answers, and what its sender does with a failure answer. */
export interface DeliveryOptions {
	respondImmediately: boolean;
	/**
	 * The sender delivers again after a 5xx (default). Roomle does not: it sends its own email,
	 * so a copy of a Roomle delivery is a replay in every mode.
	 */
	senderRetries?: boolean;
}

/**
 * Whether this verified delivery was already accepted by this node within its window. Answering
 * at once, a retry of the same message (same sender id) or a copy of the signed content is a
 * duplicate: the first one was acknowledged. Answering after the workflow to a sender that
 * retries, nothing is: the earlier copy may have failed (answered 5xx), and refusing the retry
 * would lose the event; Remove Duplicates on meta.dedupKey covers that case downstream.
 */
function isReplay(ctx: IWebhookFunctions, replay: ReplayIdentity, options: DeliveryOptions): boolean {
	if (!options.respondImmediately && options.senderRetries !== false) return false;
	const identity = options.respondImmediately && replay.messageId !== undefined ? `id:${replay.messageId}` : `request:${replay.request}`;
	const scope = `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}:${ctx.getMode()}`;
	return replays.seenBefore(scope, identity, replay.windowSec * 1000, Date.now());
}

const where = (ctx: IWebhookFunctions) => ({ workflowId: ctx.getWorkflow().id, node: ctx.getNode().name });

/** One log line per rejected delivery: the code and the detail, never the secret or the body. */
function logRejection(ctx: IWebhookFunctions, failure: DeliveryError, cause: unknown): void {
	// An unexpected error's message could quote a credential: only its name is logged.
	const detail = cause instanceof DeliveryError ? failure.message : `unexpected ${(cause as Error)?.name ?? 'error'}`;
	ctx.logger.warn(`Webhook delivery rejected: ${failure.code} (${failure.status})`, { ...where(ctx), code: failure.code, detail });
}

type Stage = 'body' | 'settings' | 'receive';

/**
 * The exact request bytes; signatures are checked over them, never over re-serialised JSON.
 * typeVersion 1: n8n has read them into rawBody. From typeVersion 2 n8n reads only the content
 * types it can parse, so read the others ourselves (missing, application/JSON, odd types).
 * A body n8n consumed as multipart cannot be read again: that throws, and is answered 400.
 */
async function readExactBody(req: ReturnType<IWebhookFunctions['getRequestObject']>): Promise<Buffer> {
	if (!Buffer.isBuffer(req.rawBody) && typeof req.readRawBody === 'function') await req.readRawBody();
	return Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

function toDeliveryError(error: unknown, stage: Stage): DeliveryError {
	if (error instanceof DeliveryError) return error;
	if (stage === 'settings') return new DeliveryError('not_configured', 'The node credentials are missing or cannot be read');
	if (stage === 'body') return new DeliveryError('bad_payload', 'The request body could not be read');
	return new DeliveryError('bad_payload', 'The delivery could not be processed');
}

/** Whether the *Respond* field answers before the workflow runs (n8n then sends our summary). */
export function respondImmediately(ctx: IWebhookFunctions): boolean {
	return ctx.getNodeParameter('respond') === 'onReceived';
}

/**
 * A number option as the UI bounds it: an expression can hold anything, so a value outside
 * [min, max] or not a number falls back to the default rather than lifting a limit.
 */
export function boundedNumber(value: unknown, fallback: number, min: number, max: number): number {
	const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
	return Number.isFinite(n) && n >= min && n <= max ? Math.floor(n) : fallback;
}

/** Longest *Tolerance (Seconds)* accepted: a day. */
const MAX_TOLERANCE_SEC = 86_400;

/**
 * The *Tolerance (Seconds)* field: 0 turns the time check off on purpose; an expression that
 * yields a negative, non-numeric or huge value falls back to 300 s instead of turning it off.
 */
export function readTolerance(ctx: IWebhookFunctions): number {
	return boundedNumber(ctx.getNodeParameter('toleranceSeconds', 300), 300, 0, MAX_TOLERANCE_SEC);
}

export function readCommonOptions(ctx: IWebhookFunctions): CommonOptions {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	return {
		allowedIps: typeof options.allowedIps === 'string' ? options.allowedIps : undefined,
		includeHeaders: options.includeHeaders === true,
		maxBodyBytes: boundedNumber(options.maxBodyKib, DEFAULT_MAX_BODY_KIB, 1, MAX_BODY_KIB) * 1024,
	};
}

/** Reads a typed-in, comma-separated parameter (`user.created, order.*`) as a list; blanks dropped. */
export function readCommaSeparated(ctx: IWebhookFunctions, name: string): string[] {
	return String(ctx.getNodeParameter(name, '') ?? '')
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean);
}

/** Reads a multi-select parameter as a string list. */
export function readList(ctx: IWebhookFunctions, name: string): string[] {
	const value = ctx.getNodeParameter(name, []) as unknown;
	return Array.isArray(value) ? value.map(String) : [];
}

