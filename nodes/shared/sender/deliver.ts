/**
 * The outbound webhook delivery engine: one logical delivery, several attempts.
 *
 * Rules (Standard Webhooks delivery section, docs/protocols):
 * - 2xx is success; 3xx is a failure and is never followed (a redirect could point anywhere,
 *   including inside the network); 410 means "stop sending" and is not retried.
 * - Retries only for network errors, timeouts, 408, 425, 429 and 5xx, with full-jitter
 *   exponential backoff, or the receiver's Retry-After (capped).
 * - `prepare(attempt)` runs before every attempt, so signatures carry a fresh timestamp while
 *   the delivery id stays the same.
 * - Every attempt has a total deadline covering connect, headers and the whole body: undici's
 *   own bodyTimeout is per chunk, so a receiver dribbling one byte a second would never trip it.
 * - Messages never contain request headers (they carry signatures and keys), credentials or
 *   the URL's query string.
 * - Destinations, in this order, before every attempt: the URL's scheme and form; the
 *   credential's Allowed Domains (before prepare(), so nothing is even signed for a refused
 *   host); IP literals against Block Private Addresses; n8n's egress policy (pre-flight); then at
 *   connect time every DNS answer against both, on the address connected to (through a proxy:
 *   the address the tunnel is opened to, see tunnel.ts).
 */
import { request, type Dispatcher } from 'undici';
import { isUrlAllowed } from './allowedDomains';
import { getDispatcher, proxyForUrl } from './dispatchers';
import {
	checkDestinationUrl,
	checkLiteralHost,
	describeUrl,
	EgressBlockedError,
	findBlockedAddressError,
	findEgressBlockedError,
	isPassthroughEgressFilter,
	urlHostname,
} from './guard';
import {
	type EgressFilter,
	type AttemptLogEntry,
	type SendFailureCode,
	type DeliveryOutcome,
	type DeliveryRequest,
	type PreparedRequest,
	type ResolvedSenderOptions,
	type SenderOptions,
	resolveSenderOptions,
} from './options';
import { abortableSleep, backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry';
import { PROXY_REFUSED_CODE, ProxyTunnelError } from './tunnel';

const METHODS = new Set(['POST', 'PUT', 'PATCH']);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const USER_AGENT = 'n8n-nodes-vendor-webhooks';

type Failure = { code: SendFailureCode; message: string };

interface ResponseResult {
	kind: 'response';
	status: number;
	headers: Record<string, string>;
	body: unknown;
	bodyTruncated: boolean;
	/** Why the body is incomplete when it was cut by the deadline or the connection. */
	bodyError?: string;
	retryAfter?: string;
}

interface ErrorResult {
	kind: 'error';
	failure: Failure;
	retryable: boolean;
}

type AttemptResult = ResponseResult | ErrorResult;

class DeadlineExceeded extends Error {
	constructor(readonly ms: number) {
		super(`no complete response within ${ms} ms`);
		this.name = 'DeadlineExceeded';
	}
}

function assertRequest(req: DeliveryRequest): void {
	if (!req || typeof req !== 'object') throw new TypeError('deliver() needs a DeliveryRequest');
	if (typeof req.url !== 'string') throw new TypeError('DeliveryRequest.url must be a string');
	if (!METHODS.has(req.method)) throw new TypeError(`DeliveryRequest.method must be POST, PUT or PATCH`);
	if (typeof req.deliveryId !== 'string' || req.deliveryId === '') {
		throw new TypeError('DeliveryRequest.deliveryId must be a non-empty string');
	}
	if (typeof req.prepare !== 'function') throw new TypeError('DeliveryRequest.prepare must be a function');
}

/** Header names only in messages: values may be secrets. */
function checkPrepared(p: PreparedRequest): Record<string, string> {
	if (!p || typeof p !== 'object' || !Buffer.isBuffer(p.body) || !p.headers || typeof p.headers !== 'object') {
		throw new TypeError('prepare() must return { headers: Record<string, string>, body: Buffer }');
	}
	const headers: Record<string, string> = {};
	let hasUserAgent = false;
	for (const [name, value] of Object.entries(p.headers)) {
		if (!HEADER_NAME.test(name)) throw new TypeError(`invalid request header name "${name.slice(0, 40)}"`);
		if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
			throw new TypeError(`request header "${name}" must be a string without line breaks`);
		}
		const lower = name.toLowerCase();
		if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') {
			throw new TypeError(`request header "${name}" is set by the HTTP client and cannot be overridden`);
		}
		if (lower === 'user-agent') hasUserAgent = true;
		headers[lower] = value;
	}
	if (!hasUserAgent) headers['user-agent'] = USER_AGENT;
	return headers;
}

function pickHeaders(raw: Dispatcher.ResponseData['headers'], wanted: string[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const name of wanted) {
		const v = raw[name];
		if (v === undefined) continue;
		out[name] = Array.isArray(v) ? v.join(', ') : String(v);
	}
	return out;
}

function isJsonContentType(ct: string | undefined): boolean {
	return !!ct && /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(ct);
}

function decodeBody(buf: Buffer, contentType: string | undefined, truncated: boolean): unknown {
	const text = buf.toString('utf8');
	if (!truncated && text.trim() !== '' && isJsonContentType(contentType)) {
		try {
			return JSON.parse(text) as unknown;
		} catch {
			return text;
		}
	}
	return text;
}

function errorCode(err: unknown): string | undefined {
	let e: unknown = err;
	for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string') return code;
		e = (e as { cause?: unknown }).cause;
	}
	return undefined;
}

function describeNetworkError(err: unknown, host: string): string {
	const code = errorCode(err);
	switch (code) {
		case 'ECONNREFUSED':
			return `connection refused by ${host}`;
		case 'ECONNRESET':
			return `connection reset by ${host}`;
		case 'UND_ERR_SOCKET':
			return `connection closed by ${host} before a complete response`;
		case 'EPIPE':
			return `connection closed by ${host} while sending`;
		case 'ENOTFOUND':
			return `host ${host} not found (DNS)`;
		case 'EAI_AGAIN':
			return `DNS lookup for ${host} failed temporarily`;
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `${host} is unreachable (${code})`;
		case 'ERR_TLS_CERT_ALTNAME_INVALID':
		case 'DEPTH_ZERO_SELF_SIGNED_CERT':
		case 'SELF_SIGNED_CERT_IN_CHAIN':
		case 'CERT_HAS_EXPIRED':
		case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
			return `TLS certificate of ${host} rejected (${code})`;
		default:
			return `network error talking to ${host}${code ? ` (${code})` : ''}`;
	}
}

function classifyError(
	err: unknown,
	o: ResolvedSenderOptions,
	host: string,
	deadline: AbortSignal,
	caller: AbortSignal | undefined,
	headersTimedOut: boolean,
): ErrorResult {
	if (caller?.aborted) {
		return { kind: 'error', failure: { code: 'aborted', message: 'delivery cancelled' }, retryable: false };
	}
	const blocked = findBlockedAddressError(err);
	if (blocked) return { kind: 'error', failure: { code: 'blocked_address', message: blocked.message }, retryable: false };
	const egress = findEgressBlockedError(err);
	if (egress) return { kind: 'error', failure: { code: 'egress_blocked', message: egress.message }, retryable: false };
	if (deadline.aborted) {
		return {
			kind: 'error',
			failure: { code: 'timeout', message: `no complete response from ${host} within ${o.totalTimeoutMs} ms` },
			retryable: true,
		};
	}
	const code = errorCode(err);
	if (headersTimedOut || code === 'UND_ERR_HEADERS_TIMEOUT') {
		return {
			kind: 'error',
			failure: { code: 'timeout', message: `no response headers from ${host} within ${o.headersTimeoutMs} ms` },
			retryable: true,
		};
	}
	if (code === 'UND_ERR_CONNECT_TIMEOUT') {
		return {
			kind: 'error',
			failure: { code: 'timeout', message: `could not connect to ${host} within ${o.connectTimeoutMs} ms` },
			retryable: true,
		};
	}
	if (code === 'UND_ERR_BODY_TIMEOUT') {
		return { kind: 'error', failure: { code: 'timeout', message: `response body from ${host} stalled` }, retryable: true };
	}
	if (code === PROXY_REFUSED_CODE && err instanceof ProxyTunnelError) {
		return { kind: 'error', failure: { code: 'network', message: err.message }, retryable: err.retryable };
	}
	if (code === 'UND_ERR_INVALID_ARG') {
		// Same request, same rejection: do not retry. undici's messages name headers, not values.
		const msg = err instanceof Error ? err.message : 'invalid request';
		return { kind: 'error', failure: { code: 'network', message: `request rejected: ${msg}` }, retryable: false };
	}
	return { kind: 'error', failure: { code: 'network', message: describeNetworkError(err, host) }, retryable: true };
}

async function readCapped(
	body: Dispatcher.ResponseData['body'],
	max: number,
): Promise<{ buf: Buffer; truncated: boolean; error?: unknown }> {
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body as AsyncIterable<Buffer>) {
			const room = max - size;
			if (chunk.length > room) {
				if (room > 0) chunks.push(chunk.subarray(0, room));
				size = max;
				// Leaving the loop destroys the stream: undici drops the connection, nothing more is read.
				return { buf: Buffer.concat(chunks, size), truncated: true };
			}
			chunks.push(chunk);
			size += chunk.length;
		}
	} catch (error) {
		return { buf: Buffer.concat(chunks, size), truncated: true, error };
	}
	return { buf: Buffer.concat(chunks, size), truncated: false };
}

/** n8n's pre-flight check; a refusal is final, a DNS failure is a (retried) network error. */
async function checkEgress(filter: EgressFilter, url: URL): Promise<void> {
	const result = await filter.validateUrl(url);
	if (!result.ok) throw new EgressBlockedError(url.host, result.error, urlHostname(url));
}

/** `work`, or the signal's reason as soon as the signal aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
	return Promise.race([
		work,
		new Promise<never>((_, reject) => {
			if (signal.aborted) reject(signal.reason);
			signal.addEventListener('abort', () => reject(signal.reason), { once: true });
		}),
	]);
}

/** The clocks and the cancellation of one attempt. */
interface AttemptControl {
	/** Aborts the request: the caller cancelled, the deadline passed or no headers came in time. */
	signal: AbortSignal;
	/** Aborted only when the whole-attempt deadline passes. */
	deadline: AbortSignal;
	headersTimedOut(): boolean;
	/** Response headers arrived: their timer is done. */
	headersReceived(): void;
	/** Clears the timers and the listener on the caller's signal. */
	end(): void;
}

function startAttemptControl(o: ResolvedSenderOptions): AttemptControl {
	const caller = o.signal;
	// One controller per attempt instead of AbortSignal.any([caller, deadline]): same effect, but
	// the listener on n8n's long-lived execution signal is removed as soon as the attempt ends.
	const attemptAbort = new AbortController();
	const deadline = new AbortController();
	const onCallerAbort = () => attemptAbort.abort(caller?.reason ?? new Error('delivery cancelled'));
	const timer = setTimeout(() => {
		deadline.abort(new DeadlineExceeded(o.totalTimeoutMs));
		attemptAbort.abort(deadline.signal.reason);
	}, o.totalTimeoutMs);
	// undici's headersTimeout runs on its coarse "fast timers" (about 0.5-1 s late); this native
	// timer makes the headers timeout fire at its setting. Counted from the attempt's start.
	let headersTimedOut = false;
	const headersTimer = setTimeout(() => {
		headersTimedOut = true;
		attemptAbort.abort(new Error(`no response headers within ${o.headersTimeoutMs} ms`));
	}, o.headersTimeoutMs);
	caller?.addEventListener('abort', onCallerAbort, { once: true });
	return {
		signal: attemptAbort.signal,
		deadline: deadline.signal,
		headersTimedOut: () => headersTimedOut,
		headersReceived: () => clearTimeout(headersTimer),
		end: () => {
			clearTimeout(timer);
			clearTimeout(headersTimer);
			caller?.removeEventListener('abort', onCallerAbort);
		},
	};
}

/** Reads the (capped) body of a response that arrived; a body cut short is still a response. */
async function readResponse(res: Dispatcher.ResponseData, host: string, o: ResolvedSenderOptions, control: AttemptControl): Promise<AttemptResult> {
	const contentType = pickHeaders(res.headers, ['content-type'])['content-type'];
	const read = await readCapped(res.body, o.maxResponseBytes);
	// undici hands a keep-alive socket back to its pool one event-loop turn after the response
	// (setImmediate, to see whether the server closes it). A caller that sends its next request
	// at once would find the socket still busy and open a new connection: up to twice as many
	// sockets at the receiver as requests in flight. One turn here lets the next request reuse it.
	if (!read.truncated) await new Promise<void>((resolve) => setImmediate(resolve));
	if (read.error && o.signal?.aborted) {
		return { kind: 'error', failure: { code: 'aborted', message: 'delivery cancelled' }, retryable: false };
	}
	const retryAfter = pickHeaders(res.headers, ['retry-after'])['retry-after'];
	const result: ResponseResult = {
		kind: 'response',
		status: res.statusCode,
		headers: pickHeaders(res.headers, o.responseHeaders),
		body: decodeBody(read.buf, contentType, read.truncated),
		bodyTruncated: read.truncated,
		retryAfter,
	};
	if (read.error) {
		result.bodyError = control.deadline.aborted
			? `response body incomplete after ${o.totalTimeoutMs} ms`
			: `response body incomplete: ${describeNetworkError(read.error, host)}`;
	}
	return result;
}

async function attemptOnce(
	url: URL,
	method: DeliveryRequest['method'],
	prepared: PreparedRequest,
	o: ResolvedSenderOptions,
	egress: EgressFilter | undefined,
): Promise<AttemptResult> {
	const control = startAttemptControl(o);
	try {
		// Like n8n's own HTTP client: a pre-flight check of every request (IP literals never reach
		// a lookup), then its secure lookup on every connection (the dispatcher below).
		if (egress) await untilAborted(checkEgress(egress, url), control.signal);
		const dispatcher = getDispatcher({
			connectTimeoutMs: Math.min(o.connectTimeoutMs, o.totalTimeoutMs),
			blockPrivateAddresses: o.blockPrivateAddresses,
			lookup: o.lookup,
			proxy: proxyForUrl(url),
			egressFilter: egress,
		});
		const res = await request(url, {
			dispatcher,
			method,
			headers: prepared.headers,
			body: prepared.body,
			signal: control.signal,
			headersTimeout: o.headersTimeoutMs,
			// Per-chunk in undici; the deadline above is what bounds the whole body.
			bodyTimeout: o.totalTimeoutMs,
		});
		control.headersReceived();
		return await readResponse(res, url.host, o, control);
	} catch (err) {
		return classifyError(err, o, url.host, control.deadline, o.signal, control.headersTimedOut());
	} finally {
		control.end();
	}
}

function failureForStatus(r: ResponseResult, base: URL): { failure: Failure; retryable: boolean } {
	const s = r.status;
	if (s >= 300 && s < 400) {
		let target = '';
		const loc = r.headers.location;
		if (loc) {
			try {
				target = ` to ${describeUrl(new URL(loc, base))}`;
			} catch {
				target = '';
			}
		}
		return {
			failure: { code: 'redirect', message: `the endpoint answered ${s} (redirect${target}); redirects are not followed: use the final URL` },
			retryable: false,
		};
	}
	if (s === 410) return { failure: { code: 'gone', message: 'endpoint gone (410): stop sending to it' }, retryable: false };
	return { failure: { code: 'http_status', message: `the endpoint answered ${s}` }, retryable: isRetryableStatus(s) };
}

/** How a delivery ended: the attempts made, the last response received, and why it failed. */
interface DeliveryEnd {
	attempts: number;
	last: ResponseResult | null;
	failure?: Failure;
}

function outcomeOf(deliveryId: string, startMs: number, log: AttemptLogEntry[], end: DeliveryEnd): DeliveryOutcome {
	const { attempts, last, failure } = end;
	return {
		ok: !failure,
		status: last ? last.status : null,
		attempts,
		durationMs: Math.round(performance.now() - startMs),
		deliveryId,
		headers: last ? last.headers : {},
		body: last ? last.body : null,
		bodyTruncated: last ? last.bodyTruncated : false,
		...(failure
			? { error: { code: failure.code, message: attempts > 1 ? `${failure.message} (after ${attempts} attempts)` : failure.message } }
			: {}),
		attemptLog: log,
	};
}

function domainRefusal(url: URL, o: ResolvedSenderOptions): Failure | undefined {
	if (isUrlAllowed(o.allowedDomains ?? null, url)) return undefined;
	return {
		code: 'domain_not_allowed',
		message: `${url.host} is not in the credential's Allowed Domains (${o.allowedDomains?.display ?? ''})`,
	};
}

/** The checks that need no connection: the URL's form, Allowed Domains, IP literals, cancellation. */
function checkBeforeSending(text: string, o: ResolvedSenderOptions): { url: URL } | { failure: Failure } {
	let url: URL;
	try {
		url = checkDestinationUrl(text, false);
	} catch (err) {
		return { failure: { code: 'invalid_url', message: (err as Error).message } };
	}
	const refused = domainRefusal(url, o);
	if (refused) return { failure: refused };
	if (o.blockPrivateAddresses) {
		try {
			checkLiteralHost(urlHostname(url));
		} catch (err) {
			const blocked = findBlockedAddressError(err);
			return { failure: { code: 'blocked_address', message: blocked ? blocked.message : (err as Error).message } };
		}
	}
	if (o.signal?.aborted) return { failure: { code: 'aborted', message: 'delivery cancelled' } };
	return { url };
}

function prepareAttempt(req: DeliveryRequest, attempt: number): PreparedRequest {
	const prepared = req.prepare(attempt);
	return { headers: checkPrepared(prepared), body: prepared.body };
}

/** Fills the attempt's log entry and says whether the attempt failed, and if so whether to retry. */
function judgeAttempt(result: AttemptResult, url: URL, entry: AttemptLogEntry): { failure?: Failure; retryable: boolean } {
	if (result.kind === 'error') {
		entry.error = result.failure.message;
		return { failure: result.failure, retryable: result.retryable };
	}
	entry.status = result.status;
	if (result.bodyError) entry.error = result.bodyError;
	// The status code is the receiver's answer: a 2xx whose body was cut short (deadline,
	// reset, size cap) is still delivered, and retrying it would only create a duplicate.
	if (result.status >= 200 && result.status < 300) return { retryable: false };
	return failureForStatus(result, url);
}

/** Waits before the next attempt: backoff, or the receiver's Retry-After (capped). Null: cancelled while waiting. */
async function waitBeforeRetry(failedAttempt: number, result: AttemptResult, o: ResolvedSenderOptions): Promise<number | null> {
	let wait = backoffDelayMs(failedAttempt, o.backoffBaseMs, o.backoffCapMs, o.random);
	if (result.kind === 'response') {
		const retryAfterMs = parseRetryAfterMs(result.retryAfter);
		if (retryAfterMs !== null) wait = Math.min(retryAfterMs, o.maxRetryAfterMs);
	}
	const t0 = performance.now();
	const slept = await abortableSleep(wait, o.signal);
	return slept ? Math.round(performance.now() - t0) : null;
}

async function attemptUntilDone(
	req: DeliveryRequest,
	url: URL,
	o: ResolvedSenderOptions,
	egress: EgressFilter | undefined,
	log: AttemptLogEntry[],
): Promise<DeliveryEnd> {
	let last: ResponseResult | null = null;
	let waitedMs: number | undefined;
	for (let attempt = 1; attempt <= o.attempts; attempt++) {
		// The URL cannot change between attempts (redirects are not followed), but the check is
		// cheap and it is the one that keeps a secret at home: it runs before every prepare().
		const stillRefused = domainRefusal(url, o);
		if (stillRefused) return { attempts: attempt - 1, last, failure: stillRefused };
		const result = await attemptOnce(url, req.method, prepareAttempt(req, attempt), o, egress);
		const entry: AttemptLogEntry = { attempt };
		if (waitedMs !== undefined) entry.waitedMs = waitedMs;
		log.push(entry);
		if (result.kind === 'response') last = result;
		const { failure, retryable } = judgeAttempt(result, url, entry);
		if (!failure) return { attempts: attempt, last };
		if (!retryable || attempt === o.attempts) return { attempts: attempt, last, failure };
		const waited = await waitBeforeRetry(attempt, result, o);
		if (waited === null) return { attempts: attempt, last, failure: { code: 'aborted', message: 'delivery cancelled while waiting to retry' } };
		waitedMs = waited;
	}
	/* istanbul ignore next: the loop always returns */
	throw new Error('unreachable');
}

/**
 * Deliver one webhook. Never throws for delivery failures (they are in the outcome); throws
 * only for programmer errors (bad options, a prepare() that returns garbage or throws).
 */
export async function deliver(req: DeliveryRequest, options: Partial<SenderOptions> = {}): Promise<DeliveryOutcome> {
	assertRequest(req);
	const o = resolveSenderOptions(options);
	const start = performance.now();
	const log: AttemptLogEntry[] = [];
	// n8n's passthrough filter (SSRF protection off) checks nothing: skip its no-op calls, and keep
	// proxied requests on the proxy's own name resolution when nothing else is judged.
	const egress = o.egressFilter && !isPassthroughEgressFilter(o.egressFilter) ? o.egressFilter : undefined;
	const checked = checkBeforeSending(req.url, o);
	const end = 'failure' in checked ? { attempts: 0, last: null, failure: checked.failure } : await attemptUntilDone(req, checked.url, o, egress, log);
	return outcomeOf(req.deliveryId, start, log, end);
}
