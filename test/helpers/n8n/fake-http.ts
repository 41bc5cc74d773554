/**
 * Fakes of the two HTTP objects n8n hands to a webhook node: the request (as n8n's Express
 * middlewares leave it) and the response (a recorder standing in for the socket).
 *
 * These fake the HTTP transport only. Nothing here stands in for code under test or for
 * n8n's execution engine.
 */
import { EventEmitter } from 'node:events';
import { parse as parseQueryString } from 'node:querystring';

import { jsonParse } from 'n8n-workflow';

export interface TestRequest {
	method?: string;
	path?: string;
	headers?: Record<string, string>;
	body?: Buffer | string;
	query?: Record<string, string>;
	ip?: string;
}

/** The subset of an Express request that n8n and webhook nodes read. */
export interface FakeRequest {
	method: string;
	path: string;
	url: string;
	originalUrl: string;
	headers: Record<string, string>;
	query: Record<string, string>;
	params: Record<string, string>;
	ip: string;
	/** Set by n8n's `parseIncomingMessage`: the lower-cased media type, without parameters. */
	contentType?: string;
	/** Set by n8n's `parseIncomingMessage`: the charset, `utf-8` unless given. */
	encoding?: BufferEncoding;
	rawBody?: Buffer;
	body?: unknown;
	_body?: boolean;
	readRawBody: () => Promise<void>;
	header: (name: string) => string | undefined;
	get: (name: string) => string | undefined;
}

/** Thrown where n8n's body parser throws `UnprocessableRequestError` (422, before the node runs). */
export class UnprocessableBodyError extends Error {
	readonly httpStatusCode = 422;

	constructor(readonly hint: string) {
		super('Failed to parse request body');
	}
}

/**
 * Builds the request the way n8n's webhook server leaves it before `executeWebhook` runs:
 * `rawBodyReader` (packages/cli/src/middlewares/body-parser.ts) calls `parseIncomingMessage`
 * (@n8n/backend-network) to set `contentType`/`encoding`, and installs `readRawBody()`, which
 * keeps the exact bytes in `rawBody`. The webhook server does not run the generic
 * `bodyParser`; `parseRequestBody` in webhook-helpers.ts decides when the body is parsed
 * (see {@link parseRequestBodyLikeN8n}).
 */
export function createFakeRequest(request: TestRequest): FakeRequest {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(request.headers ?? {})) {
		headers[name.toLowerCase()] = value;
	}
	const bytes =
		request.body === undefined
			? Buffer.alloc(0)
			: Buffer.isBuffer(request.body)
				? request.body
				: Buffer.from(request.body, 'utf8');
	const query = { ...(request.query ?? {}) };
	const path = request.path ?? '/webhook/test';
	const search = new URLSearchParams(query).toString();
	const url = search ? `${path}?${search}` : path;

	const req: FakeRequest = {
		method: (request.method ?? 'POST').toUpperCase(),
		path,
		url,
		originalUrl: url,
		headers,
		query,
		params: {},
		ip: request.ip ?? '127.0.0.1',
		readRawBody: async () => {
			// Same contract as n8n's `req.readRawBody`: read once, keep the exact bytes.
			if (!req.rawBody) {
				req.rawBody = bytes;
				req._body = true;
			}
		},
		header: (name) => headers[name.toLowerCase()],
		get: (name) => headers[name.toLowerCase()],
	};
	parseIncomingMessageLikeN8n(req);
	return req;
}

/**
 * Same logic as `parseIncomingMessage`/`parseContentType` in @n8n/backend-network
 * (src/http/parse-incoming-message.ts, the version n8n-core 2.41.1 ships): the media type is
 * everything before the first `;`, lower-cased but NOT trimmed, and the charset defaults to
 * utf-8. So `application/JSON` counts as JSON, `application/json; charset=utf-8` too, but
 * `application/json ;charset=utf-8` does not.
 */
function parseIncomingMessageLikeN8n(req: FakeRequest): void {
	const header = req.headers['content-type'];
	if (!header) return;
	const [type, ...parameters] = header.split(';');
	let charset = 'utf-8';
	for (const parameter of parameters) {
		const eq = parameter.indexOf('=');
		if (eq === -1) continue;
		if (parameter.slice(0, eq).toLowerCase().trim() === 'charset') {
			charset = parameter.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
		}
	}
	req.contentType = type.toLowerCase();
	req.encoding = charset.toLowerCase() as BufferEncoding;
}

/** `isParsableContentType` in packages/cli/src/webhooks/webhook-helpers.ts. */
function isParsableContentType(contentType: string | undefined): boolean {
	if (!contentType) return false;
	return (
		contentType.startsWith('application/json') ||
		contentType.startsWith('text/plain') ||
		contentType.startsWith('application/x-www-form-urlencoded') ||
		contentType.endsWith('/xml') ||
		contentType.endsWith('+xml')
	);
}

/**
 * `parseRequestBody` (webhook-helpers.ts) + `parseBody` (middlewares/body-parser.ts):
 * - typeVersion 1 nodes: the raw body is always read into `rawBody` and parsed when the
 *   type is known;
 * - typeVersion > 1 nodes: nothing is read unless the content type is parsable, so
 *   `rawBody` stays undefined until the node calls `req.readRawBody()`;
 * - JSON only when the media type is exactly `application/json` (after lower-casing);
 *   invalid JSON there is a 422 before the node runs;
 * - form-urlencoded → `querystring.parse`, `text/plain` → string;
 * - multipart and XML are not reproduced (the harness throws: use a real n8n for those).
 * Nothing sets `req.body` otherwise; we leave `{}` there, which is what Express-based code
 * and the WebhookContext constructor (`req.body ?? {}`) treat an unparsed body as.
 */
export async function parseRequestBodyLikeN8n(
	req: FakeRequest,
	typeVersion: number,
	binaryDataOption: unknown,
): Promise<void> {
	req.body = {};
	if (binaryDataOption) return;
	const { contentType } = req;
	if (contentType?.startsWith('multipart/')) {
		throw new Error('test harness: multipart bodies are not reproduced; test them against a real n8n');
	}
	if (typeVersion > 1 && !isParsableContentType(contentType)) return;

	await req.readRawBody();
	const { rawBody, encoding } = req;
	if (!rawBody?.length) return;
	try {
		if (contentType === 'application/json') {
			req.body = jsonParse(rawBody.toString(encoding));
		} else if (contentType?.endsWith('/xml') || contentType?.endsWith('+xml')) {
			throw new Error('test harness: XML bodies are not reproduced; test them against a real n8n');
		} else if (contentType === 'application/x-www-form-urlencoded') {
			req.body = { ...parseQueryString(rawBody.toString(encoding), undefined, undefined, { maxKeys: 1000 }) };
		} else if (contentType === 'text/plain') {
			req.body = rawBody.toString(encoding);
		}
	} catch (error) {
		if (error instanceof Error && error.message.startsWith('test harness:')) throw error;
		throw new UnprocessableBodyError((error as Error).message);
	}
}

/**
 * Records what is written to the response, like an Express response over a socket.
 * Implements the methods n8n (webhook-request-handler.ts, response-helper.ts) and n8n's own
 * trigger nodes call. Content types follow Express defaults (`json()` → application/json,
 * `send(string)` → text/html, `send(Buffer)` → application/octet-stream).
 */
export class FakeResponse extends EventEmitter {
	statusCode = 200;
	headersSent = false;
	writableEnded = false;
	finished = false;
	readonly locals: Record<string, unknown> = {};
	private readonly headers = new Map<string, string>();
	private readonly chunks: Buffer[] = [];

	constructor(readonly req: FakeRequest) {
		super();
	}

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	sendStatus(code: number): this {
		this.statusCode = code;
		return this.send(String(code));
	}

	setHeader(name: string, value: string | number | readonly string[]): this {
		this.headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
		return this;
	}

	header(name: string | Record<string, string>, value?: string | number | string[]): this {
		if (typeof name === 'object') {
			for (const [key, headerValue] of Object.entries(name)) this.setHeader(key, headerValue);
			return this;
		}
		return this.setHeader(name, value ?? '');
	}

	set(name: string | Record<string, string>, value?: string | number | string[]): this {
		return this.header(name, value);
	}

	getHeader(name: string): string | undefined {
		return this.headers.get(name.toLowerCase());
	}

	get(name: string): string | undefined {
		return this.getHeader(name);
	}

	getHeaders(): Record<string, string> {
		return Object.fromEntries(this.headers);
	}

	hasHeader(name: string): boolean {
		return this.headers.has(name.toLowerCase());
	}

	removeHeader(name: string): void {
		this.headers.delete(name.toLowerCase());
	}

	type(contentType: string): this {
		return this.setHeader('content-type', contentType.includes('/') ? contentType : `application/${contentType}`);
	}

	contentType(contentType: string): this {
		return this.type(contentType);
	}

	writeHead(code: number, headers?: Record<string, string>): this {
		this.statusCode = code;
		if (headers) this.header(headers);
		this.headersSent = true;
		return this;
	}

	json(body: unknown): this {
		if (!this.hasHeader('content-type')) this.setHeader('content-type', 'application/json; charset=utf-8');
		const text = JSON.stringify(body);
		return this.end(text === undefined ? '' : text);
	}

	send(body?: unknown): this {
		if (body === undefined) return this.end();
		if (Buffer.isBuffer(body)) {
			if (!this.hasHeader('content-type')) this.setHeader('content-type', 'application/octet-stream');
			return this.end(body);
		}
		if (typeof body === 'string') {
			if (!this.hasHeader('content-type')) this.setHeader('content-type', 'text/html; charset=utf-8');
			return this.end(body);
		}
		return this.json(body);
	}

	write(chunk: Buffer | string): boolean {
		this.headersSent = true;
		this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
		return true;
	}

	end(chunk?: Buffer | string): this {
		if (this.writableEnded) return this;
		if (chunk !== undefined) this.write(chunk);
		this.headersSent = true;
		this.writableEnded = true;
		this.finished = true;
		this.emit('finish');
		this.emit('close');
		return this;
	}

	/** The bytes written so far. */
	get bodyBytes(): Buffer {
		return Buffer.concat(this.chunks);
	}

	/** The body parsed as JSON when the content type says JSON, else the text, else undefined. */
	parsedBody(): unknown {
		const bytes = this.bodyBytes;
		if (bytes.length === 0) return undefined;
		const text = bytes.toString('utf8');
		if (this.getHeader('content-type')?.includes('json')) {
			try {
				return JSON.parse(text) as unknown;
			} catch {
				return text;
			}
		}
		return text;
	}
}
