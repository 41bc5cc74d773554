/**
 * The Send Webhook node's delivery behaviour, run in a real in-process workflow against real
 * local HTTP servers (127.0.0.1 only). The sender's own unit tests live in test/shared; these
 * check what the node does with it: jobs, envelopes, bodies, retries, errors, output.
 */
import { normalizeHeaders } from '../../nodes/shared/encoding';
import { createHmac } from 'node:crypto';
import type * as http from 'node:http';

import type { INodeExecutionData } from 'n8n-workflow';

import { verifyStandardWebhook } from '../../nodes/shared/standardWebhooks';
import type { Handler } from '../helpers/httpServers';
import { useLoopbackGuard, useTestServers } from '../helpers/loopbackSuite';
import { outputOf, send } from './helpers';

const LOCAL = { blockPrivateAddresses: false };
const HMAC_SECRET = 'send-webhook-hmac-secret-7f3a';
/** The generic credential: what HMAC signing uses from version 1.3 by default. */
const hmacCredentials = { webhookHmacSecretApi: { secret: HMAC_SECRET, previousSecret: '' } };
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

useLoopbackGuard();
/** A server for this test only. */
const server = useTestServers();

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify(body));
}

const ok: Handler = (_req, res) => json(res, 200, { ok: true });
const parsed = (body: Buffer) => JSON.parse(body.toString('utf8')) as any;

/**
 * The harness hands back the error as n8n recorded it in the run data (a plain copy, not the
 * class instance): its name says which n8n error the node threw.
 */
function expectNodeError(error: Error | undefined, name: 'NodeApiError' | 'NodeOperationError'): asserts error is Error {
	expect(error).toBeDefined();
	expect(error?.name).toBe(name);
}

/** Input indexes an output item is paired with, whatever the pairedItem shape. */
function pairedIndexes(item: INodeExecutionData): number[] {
	const paired = item.pairedItem;
	const list = Array.isArray(paired) ? paired : [paired];
	return list.map((entry) => (typeof entry === 'number' ? entry : (entry?.item ?? -1)));
}

describe('Send Webhook: jobs and concurrency', () => {
	it('per item with concurrency 2: never more than 2 in flight, output in input order, pairedItem per item', async () => {
		// Slow first item, fast others: completions come back out of input order.
		const delays = [200, 60, 60, 150, 60];
		let inFlight = 0;
		let maxInFlight = 0;
		const completed: number[] = [];
		const target = await server((_req, res, _index, body) => {
			const { n } = parsed(body);
			inFlight++;
			maxInFlight = Math.max(maxInFlight, inFlight);
			setTimeout(() => {
				inFlight--;
				completed.push(n);
				json(res, 200, { echoed: n });
			}, delays[n]);
		});
		const items = [0, 1, 2, 3, 4].map((n) => ({ n }));
		const result = await send({ parameters: { url: target.url, options: { ...LOCAL, concurrency: 2 } }, items });

		const output = outputOf(result);
		expect(target.requests).toHaveLength(5);
		expect(maxInFlight).toBe(2);
		expect(completed).not.toEqual([0, 1, 2, 3, 4]);
		expect(output.map((item) => item.body.echoed)).toEqual([0, 1, 2, 3, 4]);
		expect(output.every((item) => item.ok === true && item.status === 200 && item.attempts === 1)).toBe(true);
		expect(result.outputItems[0].map(pairedIndexes)).toEqual([[0], [1], [2], [3], [4]]);
		// One delivery id per request.
		expect(new Set(output.map((item) => item.deliveryId)).size).toBe(5);
	});

	it('batch mode with maxBatchSize 2 over 5 items: 3 requests of JSON arrays, pairedItem lists', async () => {
		const target = await server((_req, res, index) => json(res, 200, { request: index }));
		const items = [0, 1, 2, 3, 4].map((n) => ({ n }));
		const result = await send({ parameters: { url: target.url, mode: 'batch', options: { ...LOCAL, maxBatchSize: 2 } }, items });

		const output = outputOf(result);
		expect(target.requests.map((request) => parsed(request.body)).sort((a, b) => a[0].n - b[0].n)).toEqual([
			[{ n: 0 }, { n: 1 }],
			[{ n: 2 }, { n: 3 }],
			[{ n: 4 }],
		]);
		expect(output).toHaveLength(3);
		expect(result.outputItems[0].map((item) => item.pairedItem)).toEqual([
			[{ item: 0 }, { item: 1 }],
			[{ item: 2 }, { item: 3 }],
			[{ item: 4 }],
		]);
	});
});

describe('Send Webhook: bodies and envelopes', () => {
	const payload = { id: 7, name: 'Ada' };

	async function bodiesFor(parameters: Record<string, unknown>, items: unknown[] = [payload]): Promise<any[]> {
		const target = await server(ok);
		outputOf(await send({ parameters: { url: target.url, ...parameters, options: LOCAL }, items }));
		return target.requests.map((request) => parsed(request.body));
	}

	it('envelope none sends the item as it is', async () => {
		expect(await bodiesFor({ envelope: 'none' })).toEqual([payload]);
	});

	it('envelope standardWebhooks: {type, timestamp (ISO), data}', async () => {
		const before = Date.now();
		const [body] = await bodiesFor({ envelope: 'standardWebhooks', eventType: 'user.created' });
		expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
		expect(body).toMatchObject({ type: 'user.created', data: payload });
		expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
		expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before);
		expect(Date.parse(body.timestamp)).toBeLessThanOrEqual(Date.now());
	});

	it('envelope eventWebhook: {event_time, event_type, current_context, data}', async () => {
		const [body] = await bodiesFor({ envelope: 'eventWebhook', eventType: 'order.paid', currentContext: '{"tenant":"acme","region":"eu"}' });
		expect(Object.keys(body)).toEqual(['event_time', 'event_type', 'current_context', 'data']);
		expect(body).toMatchObject({ event_type: 'order.paid', current_context: { tenant: 'acme', region: 'eu' }, data: payload });
		expect(new Date(body.event_time).toISOString()).toBe(body.event_time);
	});

	it('batch + envelope wraps the whole array once', async () => {
		const [body] = await bodiesFor({ mode: 'batch', envelope: 'standardWebhooks', eventType: 'bulk' }, [{ a: 1 }, { a: 2 }]);
		expect(body).toMatchObject({ type: 'bulk', data: [{ a: 1 }, { a: 2 }] });
	});

	it('an envelope without an event type is refused before anything is sent', async () => {
		const target = await server(ok);
		const result = await send({ parameters: { url: target.url, envelope: 'eventWebhook', eventType: '  ', options: LOCAL }, items: [payload] });
		expectNodeError(result.error, 'NodeOperationError');
		expect(result.error?.message).toBe('Event Type is empty');
		expect(target.connections()).toBe(0);
	});

	it('bodySource field reads a dot path', async () => {
		const items = [{ payload: { event: { kind: 'a', n: 1 } } }, { payload: { event: [1, 2, 3] } }];
		expect(await bodiesFor({ bodySource: 'field', bodyField: 'payload.event' }, items)).toEqual([{ kind: 'a', n: 1 }, [1, 2, 3]]);
	});

	it('bodySource expression: an object built per item, and a JSON string', async () => {
		const items = [{ n: 2 }, { n: 5 }];
		expect(await bodiesFor({ bodySource: 'expression', bodyJson: '={{ { "doubled": $json.n * 2, "tag": "x" } }}' }, items)).toEqual([
			{ doubled: 4, tag: 'x' },
			{ doubled: 10, tag: 'x' },
		]);
		expect(await bodiesFor({ bodySource: 'expression', bodyJson: '={{ JSON.stringify({ s: String($json.n) }) }}' }, items)).toEqual([{ s: '2' }, { s: '5' }]);
	});

	it('a missing body field fails the node naming the item, and sends nothing', async () => {
		const target = await server(ok);
		const items = [{ payload: 1 }, { other: 2 }, { payload: 3 }];
		const result = await send({ parameters: { url: target.url, bodySource: 'field', bodyField: 'payload', options: LOCAL }, items });
		expectNodeError(result.error, 'NodeOperationError');
		expect(result.error?.message).toBe('Item 1 has no field "payload"');
		expect((result.error as any).context.itemIndex).toBe(1);
		expect(target.connections()).toBe(0);
	});

	it('with continueOnFail a missing field fails only that item', async () => {
		const target = await server(ok);
		const items = [{ payload: 1 }, { other: 2 }, { payload: 3 }];
		const result = await send({ parameters: { url: target.url, bodySource: 'field', bodyField: 'payload', options: LOCAL }, items, continueOnFail: true });
		const output = outputOf(result);
		expect(output.map((item) => item.ok)).toEqual([true, false, true]);
		expect(output[1]).toEqual({ ok: false, error: { code: 'invalid_item', message: 'Item 1 has no field "payload"' } });
		expect(result.outputItems[0].map(pairedIndexes)).toEqual([[0], [1], [2]]);
		expect(target.requests.map((request) => parsed(request.body)).sort()).toEqual([1, 3]);
	});

	it('batch + continueOnFail: a chunk whose envelope cannot be built fails every item of that chunk, others are sent', async () => {
		const target = await server(ok);
		const items = [{ n: 0, context: '{"ok":1}' }, { n: 1, context: '{"ok":1}' }, { n: 2, context: '{broken' }, { n: 3, context: '{"ok":1}' }];
		const result = await send({
			parameters: { url: target.url, mode: 'batch', envelope: 'eventWebhook', eventType: 'bulk', currentContext: '={{ $json.context }}', options: { ...LOCAL, maxBatchSize: 2 } },
			items,
			continueOnFail: true,
		});
		const output = result.outputItems[0] ?? [];
		// Every input item is accounted for: one delivered batch, and the broken chunk's two items.
		expect(output.flatMap(pairedIndexes).sort()).toEqual([0, 1, 2, 3]);
		expect(output.map((item) => item.json.ok)).toEqual([true, false, false]);
		expect(output.slice(1).map((item) => item.json.error)).toEqual([
			{ code: 'invalid_item', message: 'Current Context of item 2 is not valid JSON' },
			{ code: 'invalid_item', message: 'Current Context of item 2 is not valid JSON' },
		]);
		expect(target.requests.map((request) => parsed(request.body).data)).toEqual([[{ n: 0, context: '{"ok":1}' }, { n: 1, context: '{"ok":1}' }]]);
	});

	it('a JSON expression that is not valid JSON fails the node naming the item', async () => {
		const target = await server(ok);
		const result = await send({
			parameters: { url: target.url, bodySource: 'expression', bodyJson: '={{ $json.n === 1 ? "{not json" : "{}" }}', options: LOCAL },
			items: [{ n: 0 }, { n: 1 }],
		});
		expectNodeError(result.error, 'NodeOperationError');
		expect(result.error?.message).toMatch(/item 1/);
		expect(result.error?.message).toMatch(/not valid JSON/);
		expect(target.connections()).toBe(0);
	});
});

describe('Send Webhook: headers and responses', () => {
	it('sends custom headers; signing headers win over a custom header of the same name', async () => {
		const target = await server(ok);
		const customHeaders = { header: [{ name: 'X-Tenant', value: 'acme' }, { name: 'X-Trace', value: 'abc 123' }, { name: 'X-Synchub-Signature', value: 'forged' }] };
		outputOf(await send({ parameters: { url: target.url, signing: 'hmac', options: { ...LOCAL, customHeaders } }, credentials: hmacCredentials, items: [{ a: 1 }] }));
		const [request] = target.requests;
		expect(request.headers['x-tenant']).toBe('acme');
		expect(request.headers['x-trace']).toBe('abc 123');
		expect(request.headers['x-synchub-signature']).toBe(createHmac('sha256', HMAC_SECRET).update(request.body).digest('hex'));
		expect(request.headers['content-type']).toBe('application/json');
		expect(request.headers['user-agent']).toBe('n8n-nodes-vendor-webhooks');
	});

	it('uses the configured method', async () => {
		const target = await server(ok);
		outputOf(await send({ parameters: { url: target.url, method: 'PUT', options: LOCAL }, items: [{ a: 1 }] }));
		expect(target.requests[0].method).toBe('PUT');
	});

	it('parses a JSON response and returns only the selected response headers', async () => {
		const target = await server((_req, res) =>
			json(res, 202, { accepted: true, queue: [1, 2] }, { 'x-request-id': 'req-9', 'x-internal': 'hidden', 'retry-after': '5' }),
		);
		const [item] = outputOf(
			await send({ parameters: { url: target.url, options: { ...LOCAL, responseHeaders: 'X-Request-ID, content-type' } }, items: [{ a: 1 }] }),
		);
		expect(item).toMatchObject({ ok: true, status: 202, attempts: 1, body: { accepted: true, queue: [1, 2] }, bodyTruncated: false });
		expect(item.headers).toEqual({ 'x-request-id': 'req-9', 'content-type': 'application/json' });
		expect(item.deliveryId).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(typeof item.durationMs).toBe('number');
	});

	it('a text response stays text', async () => {
		const target = await server((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end('{"looks":"json"}');
		});
		const [item] = outputOf(await send({ parameters: { url: target.url, options: LOCAL }, items: [{ a: 1 }] }));
		expect(item.body).toBe('{"looks":"json"}');
	});
});

describe('Send Webhook: retries and failures', () => {
	it('500 then 200: 2 attempts, the same webhook-id, timestamp and signature computed per attempt', async () => {
		const arrivals: number[] = [];
		const target = await server((_req, res, index) => {
			arrivals.push(Date.now());
			// Retry-After: 1 puts the second attempt in a later unix second, so a fresh timestamp must differ.
			if (index === 0) json(res, 500, { error: 'busy' }, { 'retry-after': '1' });
			else json(res, 200, { ok: true });
		});
		const [item] = outputOf(
			await send({ parameters: { url: target.url, signing: 'standardWebhooks', options: { ...LOCAL, attempts: 3 } }, credentials: { standardWebhooksApi: { secret: WHSEC } }, items: [{ a: 1 }] }),
		);
		expect(item).toMatchObject({ ok: true, status: 200, attempts: 2 });
		expect(target.requests).toHaveLength(2);
		const [first, second] = target.requests;
		expect(first.headers['webhook-id']).toBe(second.headers['webhook-id']);
		expect(first.headers['webhook-id']).toBe(item.deliveryId);
		expect(first.body.equals(second.body)).toBe(true);
		expect(Number(second.headers['webhook-timestamp'])).toBeGreaterThan(Number(first.headers['webhook-timestamp']));
		expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
		// Each attempt's headers verify on their own.
		for (const request of target.requests) {
			expect(verifyStandardWebhook({ headers: normalizeHeaders(request.headers), body: request.body, secrets: [WHSEC], toleranceSec: 300, clock: Date.now }).id).toBe(item.deliveryId);
		}
		const waited = arrivals[1] - arrivals[0];
		expect(waited).toBeGreaterThanOrEqual(950);
		expect(waited).toBeLessThan(3000);
	});

	it('hmac timestamps are fresh per attempt too (backoff without Retry-After)', async () => {
		const arrivals: number[] = [];
		const target = await server((_req, res, index) => {
			arrivals.push(Date.now());
			json(res, index < 2 ? 503 : 200, {});
		});
		const scheme = { signing: 'hmac', signedContent: 'timestamp.body', timestampHeader: 'x-synchub-timestamp' };
		const [item] = outputOf(
			await send({ parameters: { url: target.url, ...scheme, options: { ...LOCAL, attempts: 3, backoffBaseMs: 100, backoffCapMs: 200 } }, credentials: hmacCredentials, items: [{ a: 1 }] }),
		);
		expect(item).toMatchObject({ ok: true, attempts: 3 });
		for (const request of target.requests) {
			const ts = request.headers['x-synchub-timestamp'] as string;
			expect(request.headers['x-synchub-signature']).toBe(createHmac('sha256', HMAC_SECRET).update(`${ts}.`).update(request.body).digest('hex'));
		}
		const gaps = [arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]];
		// Full jitter: retry n waits in [0, min(cap, base × 2^(n-1))) = [0,100) then [0,200), plus the round trip.
		expect(gaps[0]).toBeLessThan(100 + 500);
		expect(gaps[1]).toBeLessThan(200 + 500);
	});

	it('410 is a NodeApiError saying the endpoint is gone, and is not retried', async () => {
		const target = await server((_req, res) => json(res, 410, { error: 'unsubscribed' }));
		const result = await send({ parameters: { url: target.url, options: { ...LOCAL, attempts: 5, backoffBaseMs: 0 } }, items: [{ a: 1 }] });
		expectNodeError(result.error, 'NodeApiError');
		expect(result.error?.message).toMatch(/gone/i);
		expect((result.error as any).httpCode).toBe('410');
		expect(target.requests).toHaveLength(1);
		expect(result.status).toBe('error');
	});

	it('301 is a failure and the Location is not followed', async () => {
		const elsewhere = await server(ok);
		const target = await server((_req, res) => {
			res.writeHead(301, { location: `${elsewhere.url}?moved=1` });
			res.end();
		});
		const result = await send({ parameters: { url: target.url, options: { ...LOCAL, attempts: 3, backoffBaseMs: 0 } }, items: [{ a: 1 }] });
		expectNodeError(result.error, 'NodeApiError');
		expect(result.error?.message).toMatch(/301.*redirects are not followed/);
		expect(target.requests).toHaveLength(1);
		expect(elsewhere.connections()).toBe(0);

		const [item] = outputOf(await send({ parameters: { url: target.url, options: { ...LOCAL, attempts: 3, backoffBaseMs: 0 } }, items: [{ a: 1 }], continueOnFail: true }));
		expect(item).toMatchObject({ ok: false, status: 301, attempts: 1, error: { code: 'redirect' } });
		expect(elsewhere.connections()).toBe(0);
	});

	it('a hanging receiver with totalTimeoutMs 300 fails within a generous bound, without echoing the query string', async () => {
		const target = await server(() => undefined); // never answers
		const started = Date.now();
		const result = await send({
			parameters: { url: `${target.url}?token=query-secret-123`, options: { ...LOCAL, attempts: 1, totalTimeoutMs: 300 } },
			items: [{ a: 1 }],
		});
		const elapsed = Date.now() - started;
		expectNodeError(result.error, 'NodeApiError');
		expect(result.error?.message).toMatch(/within 300 ms/);
		expect(result.error?.message).not.toContain('query-secret-123');
		expect(target.requests).toHaveLength(1);
		expect(elapsed).toBeGreaterThanOrEqual(290);
		expect(elapsed).toBeLessThan(2500);
	});

	it('refuses 127.0.0.1 by default (blockPrivateAddresses) without connecting', async () => {
		const target = await server(ok);
		const result = await send({ parameters: { url: target.url }, items: [{ a: 1 }] });
		expectNodeError(result.error, 'NodeOperationError');
		expect(result.error?.message).toMatch(/127\.0\.0\.1/);
		expect(result.error?.message).toMatch(/loopback/);
		expect(target.connections()).toBe(0);
		expect(target.requests).toHaveLength(0);
	});
});

describe('Send Webhook: continue on fail and errors', () => {
	it('with continueOnFail, failed targets become ok:false items and the others are delivered', async () => {
		const good = await server((_req, res, _index, body) => json(res, 200, { got: parsed(body).n }));
		const broken = await server((_req, res) => json(res, 500, { error: 'down' }));
		const gone = await server((_req, res) => json(res, 410, {}));
		const items = [
			{ n: 0, url: good.url },
			{ n: 1, url: broken.url },
			{ n: 2, url: good.url },
			{ n: 3, url: gone.url },
			{ n: 4, url: 'ftp://127.0.0.1/nope' },
		];
		const result = await send({
			parameters: { url: '={{ $json.url }}', bodySource: 'expression', bodyJson: '={{ { "n": $json.n } }}', options: { ...LOCAL, attempts: 2, backoffBaseMs: 0 } },
			items,
			continueOnFail: true,
		});
		const output = outputOf(result);
		expect(output.map((item) => item.ok)).toEqual([true, false, true, false, false]);
		expect(output[0]).toMatchObject({ status: 200, body: { got: 0 } });
		expect(output[2]).toMatchObject({ status: 200, body: { got: 2 } });
		expect(output[1]).toMatchObject({ status: 500, attempts: 2, error: { code: 'http_status', message: expect.stringContaining('500') } });
		expect(output[3]).toMatchObject({ status: 410, attempts: 1, error: { code: 'gone' } });
		expect(output[4]).toMatchObject({ status: null, attempts: 0, error: { code: 'invalid_url' } });
		expect(result.outputItems[0].map(pairedIndexes)).toEqual([[0], [1], [2], [3], [4]]);
		expect(good.requests.map((request) => parsed(request.body).n).sort()).toEqual([0, 2]);
		expect(broken.requests).toHaveLength(2);
		expect(gone.requests).toHaveLength(1);
	});

	it('without continueOnFail the node fails with a NodeApiError carrying the failing item index', async () => {
		const good = await server(ok);
		const broken = await server((_req, res) => json(res, 503, {}));
		const result = await send({
			parameters: { url: '={{ $json.url }}', options: { ...LOCAL, attempts: 1, concurrency: 1 } },
			items: [{ url: good.url }, { url: broken.url }, { url: good.url }],
		});
		expectNodeError(result.error, 'NodeApiError');
		expect(result.error?.message).toMatch(/503/);
		expect((result.error as any).context.itemIndex).toBe(1);
		expect((result.error as any).httpCode).toBe('503');
		expect(result.outputItems).toEqual([]);
		// With one request at a time, nothing is started after the failure.
		expect(good.requests).toHaveLength(1);
	});

	it.each([
		['customHeader', { webhookHeaderSecretApi: { headerName: 'x-shared', secret: 'custom-header-secret-91' } }, 'custom-header-secret-91'],
		['apiKey', { eventWebhookApi: { apiKey: 'api-key-secret-0042' } }, 'api-key-secret-0042'],
		['hmac', hmacCredentials, HMAC_SECRET],
		['roomleToken', { roomleWebhookApi: { apiKey: 'roomle-api-key-55', secret: 'roomle-secret-16' } }, 'roomle-secret-16'],
	] as const)('%s: neither the output nor the error contains the secret', async (signing, credentials, secret) => {
		const good = await server(ok);
		const broken = await server((_req, res) => json(res, 500, { error: 'nope' }));
		const parameters = { url: '={{ $json.url }}', signing, options: { ...LOCAL, attempts: 2, backoffBaseMs: 0 } };
		const items = [{ url: good.url }, { url: broken.url }];

		const continued = await send({ parameters, credentials, items, continueOnFail: true });
		const output = outputOf(continued);
		expect(output.map((item) => item.ok)).toEqual([true, false]);
		expect(good.requests).toHaveLength(1); // the secret did travel, in a header
		expect(JSON.stringify(continued.outputItems)).not.toContain(secret);

		const failed = await send({ parameters, credentials, items });
		expectNodeError(failed.error, 'NodeApiError');
		const error = failed.error as any;
		for (const text of [error.message, error.description ?? '', error.stack ?? '', JSON.stringify(error.context), JSON.stringify(error.cause ?? null), JSON.stringify(failed.runData)]) {
			expect(text).not.toContain(secret);
		}
	});

	it('hmac over "timestamp.body" without a timestamp header is a configuration error, nothing is sent', async () => {
		const target = await server(ok);
		const result = await send({ parameters: { url: target.url, signing: 'hmac', signedContent: 'timestamp.body', options: LOCAL }, credentials: hmacCredentials, items: [{ a: 1 }] });
		expectNodeError(result.error, 'NodeOperationError');
		expect(result.error.message).toMatch(/timestamp header/);
		expect(target.connections()).toBe(0);
	});

	it('a Roomle secret of the wrong size is a configuration error that does not echo it', async () => {
		const target = await server(ok);
		const secret = 'only-13-chars';
		const result = await send({ parameters: { url: target.url, signing: 'roomleToken', options: LOCAL }, credentials: { roomleWebhookApi: { apiKey: 'k', secret } }, items: [{ a: 1 }] });
		expectNodeError(result.error, 'NodeOperationError');
		expect(result.error?.message).not.toContain(secret);
		expect(target.connections()).toBe(0);
	});
});

describe('Send Webhook: cancellation', () => {
	it('the execution cancel signal aborts an in-flight request to a hanging server quickly', async () => {
		let closedAt = 0;
		const target = await server((req) => {
			req.socket.on('close', () => {
				closedAt = Date.now();
			});
		});
		const controller = new AbortController();
		const started = Date.now();
		const run = send({ parameters: { url: target.url, options: { ...LOCAL, attempts: 3, totalTimeoutMs: 20_000, headersTimeoutMs: 20_000 } }, items: [{ a: 1 }], signal: controller.signal });
		while (target.requests.length === 0) {
			if (Date.now() - started > 5000) throw new Error('the request never arrived');
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		const abortedAt = Date.now();
		controller.abort();
		const result = await run;
		const settled = Date.now() - abortedAt;
		// Recorded as a stopped execution (no error workflow), not as a failed delivery.
		expect(result.status).toBe('canceled');
		expect(result.error?.name).toBe('ManualExecutionCancelledError');
		expect(result.outputItems[0]?.map((item) => item.json)).toEqual([expect.objectContaining({ ok: false, attempts: 1, error: { code: 'aborted', message: 'delivery cancelled' } })]);
		expect(settled).toBeLessThan(1500);
		expect(target.requests).toHaveLength(1); // not retried after the cancel
		for (const deadline = Date.now() + 2000; closedAt === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
		expect(closedAt).toBeGreaterThanOrEqual(abortedAt);
		expect(closedAt - abortedAt).toBeLessThan(1500);
	});
});
