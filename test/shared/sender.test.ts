import { SYNTHESISVR_PRESET, deliver, type DeliveryRequest, type SenderOptions } from '../../nodes/shared/sender';
import { resolveSenderOptions } from '../../nodes/shared/sender/options';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from '../../nodes/shared/sender/retry';
import { useLoopbackGuard, useTestServers } from '../helpers/loopbackSuite';

const SECRET = 'sig-s3cr3t-value';

function jsonRequest(url: string, extra: Partial<DeliveryRequest> = {}): DeliveryRequest & { calls: number[] } {
	const calls: number[] = [];
	return {
		url,
		method: 'POST',
		deliveryId: 'msg_test_1',
		prepare(attempt: number) {
			calls.push(attempt);
			return {
				headers: {
					'content-type': 'application/json',
					'webhook-id': 'msg_test_1',
					'webhook-timestamp': `ts-${attempt}`,
					'x-signature': SECRET,
				},
				body: Buffer.from(JSON.stringify({ hello: 'world' })),
			};
		},
		calls,
		...extra,
	};
}

/** Fast settings for tests: no jitter wait, short timeouts; loopback allowed. */
const fast = (o: Partial<SenderOptions> = {}): Partial<SenderOptions> => ({
	blockPrivateAddresses: false,
	backoffBaseMs: 10,
	backoffCapMs: 20,
	random: () => 0,
	totalTimeoutMs: 3000,
	...o,
});

const guard = useLoopbackGuard();
/** A server for this test only. */
const server = useTestServers();

/** Timer precision notes, printed once at the end. */
const precision: string[] = [];

afterAll(() => {
	// eslint-disable-next-line no-console
	if (precision.length) console.log(`timeout precision (setting → fired):\n${precision.join('\n')}`);
});

describe('success', () => {
	it('delivers, returns status, parsed JSON body and selected headers', async () => {
		const s = await server((_req, res) => {
			res.setHeader('content-type', 'application/json; charset=utf-8');
			res.setHeader('x-request-id', 'req-42');
			res.setHeader('x-internal', 'not returned');
			res.end(JSON.stringify({ received: true }));
		});
		const req = jsonRequest(`${s.url}?token=abc`);
		const out = await deliver(req, fast());
		expect(out).toMatchObject({
			ok: true,
			status: 200,
			attempts: 1,
			deliveryId: 'msg_test_1',
			body: { received: true },
			bodyTruncated: false,
			headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-42' },
			attemptLog: [{ attempt: 1, status: 200 }],
		});
		expect(out.error).toBeUndefined();
		expect(out.headers).not.toHaveProperty('x-internal');
		expect(req.calls).toEqual([1]);
		const got = s.requests[0];
		expect(got.method).toBe('POST');
		expect(got.url).toBe('/hook?token=abc');
		expect(got.headers['webhook-id']).toBe('msg_test_1');
		expect(got.headers['user-agent']).toBe('n8n-nodes-vendor-webhooks');
		expect(got.body.toString()).toBe('{"hello":"world"}');
	});

	it('returns text for non-JSON and honours a custom header list', async () => {
		const s = await server((_req, res) => {
			res.setHeader('content-type', 'text/plain');
			res.setHeader('x-custom', 'yes');
			res.end('thanks');
		});
		const out = await deliver(jsonRequest(s.url), fast({ responseHeaders: ['X-Custom'] }));
		expect(out.body).toBe('thanks');
		expect(out.headers).toEqual({ 'x-custom': 'yes' });
	});

	it('keeps invalid JSON as text', async () => {
		const s = await server((_req, res) => {
			res.setHeader('content-type', 'application/json');
			res.end('{not json');
		});
		const out = await deliver(jsonRequest(s.url), fast());
		expect(out).toMatchObject({ ok: true, body: '{not json' });
	});

	it('reuses pooled keep-alive connections across deliveries: one socket for sequential ones', async () => {
		const s = await server((_req, res) => res.end('ok'));
		for (let i = 0; i < 8; i++) expect((await deliver(jsonRequest(s.url), fast())).ok).toBe(true);
		// deliver() returns only once undici has put the socket back in its pool.
		expect(s.connections()).toBe(1);
	});

	it('N deliveries in flight at a time use N sockets, not more', async () => {
		const s = await server((_req, res) => setTimeout(() => res.end('ok'), 5));
		const worker = async () => {
			for (let i = 0; i < 6; i++) expect((await deliver(jsonRequest(s.url), fast())).ok).toBe(true);
		};
		await Promise.all(Array.from({ length: 8 }, worker));
		expect(s.requests).toHaveLength(48);
		expect(s.connections()).toBe(8);
	});

	it('supports PUT and PATCH', async () => {
		const s = await server((_req, res) => res.end());
		expect((await deliver(jsonRequest(s.url, { method: 'PUT' }), fast())).ok).toBe(true);
		expect((await deliver(jsonRequest(s.url, { method: 'PATCH' }), fast())).ok).toBe(true);
		expect(s.requests.map((r) => r.method)).toEqual(['PUT', 'PATCH']);
	});
});

describe('timeouts', () => {
	it('total deadline fires near its setting on a hanging server', async () => {
		const s = await server(() => undefined); // never answers
		const t0 = Date.now();
		const out = await deliver(jsonRequest(s.url), fast({ totalTimeoutMs: 500, headersTimeoutMs: 60_000, attempts: 1 }));
		const elapsed = Date.now() - t0;
		precision.push(`total 500 ms (hanging server) → ${elapsed} ms`);
		expect(out).toMatchObject({ ok: false, status: null, attempts: 1, error: { code: 'timeout' } });
		expect(out.error!.message).toContain('500 ms');
		expect(elapsed).toBeGreaterThanOrEqual(490);
		expect(elapsed).toBeLessThan(500 + 1500);
	});

	it('headers timeout fires when the server is slow to answer', async () => {
		const s = await server((_req, res) => setTimeout(() => res.end('late'), 3000).unref());
		const t0 = Date.now();
		const out = await deliver(jsonRequest(s.url), fast({ headersTimeoutMs: 300, totalTimeoutMs: 10_000, attempts: 1 }));
		const elapsed = Date.now() - t0;
		precision.push(`headers 300 ms (slow headers) → ${elapsed} ms`);
		expect(out.error).toMatchObject({ code: 'timeout' });
		expect(out.error!.message).toMatch(/no response headers .* within 300 ms/);
		expect(elapsed).toBeLessThan(300 + 1500);
	});

	it('a dribbling body beats the per-chunk bodyTimeout but not the total deadline', async () => {
		const s = await server((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/plain' });
			const t = setInterval(() => res.write('x'), 50);
			res.on('close', () => clearInterval(t));
		});
		const t0 = Date.now();
		const out = await deliver(jsonRequest(s.url), fast({ totalTimeoutMs: 700, attempts: 3 }));
		const elapsed = Date.now() - t0;
		precision.push(`total 700 ms (dribbling body) → ${elapsed} ms`);
		expect(elapsed).toBeGreaterThanOrEqual(690);
		expect(elapsed).toBeLessThan(700 + 1500);
		// The 200 was the receiver's acknowledgement: delivered, body marked incomplete, not retried.
		expect(out).toMatchObject({ ok: true, status: 200, attempts: 1, bodyTruncated: true });
		expect(typeof out.body).toBe('string');
		expect((out.body as string).length).toBeGreaterThan(3);
		expect(out.attemptLog[0].error).toMatch(/incomplete after 700 ms/);
	});

	it('a dribbling error response is cut at the deadline and retried per its status', async () => {
		const s = await server((_req, res) => {
			res.writeHead(503);
			const t = setInterval(() => res.write('.'), 50);
			res.on('close', () => clearInterval(t));
		});
		const out = await deliver(jsonRequest(s.url), fast({ totalTimeoutMs: 300, attempts: 2 }));
		expect(out).toMatchObject({ ok: false, status: 503, attempts: 2, bodyTruncated: true, error: { code: 'http_status' } });
	});

	it('connection refused is a network error and is retried', async () => {
		const s = await server((_req, res) => res.end());
		const url = s.url;
		await s.close(); // closed again after the test: harmless
		const out = await deliver(jsonRequest(url), fast({ attempts: 2 }));
		expect(out).toMatchObject({ ok: false, attempts: 2, error: { code: 'network' } });
		expect(out.error!.message).toContain('connection refused');
	});
});

describe('failures and retries', () => {
	it('connection reset is a retried network error', async () => {
		const s = await server((req) => req.socket.destroy());
		const out = await deliver(jsonRequest(s.url), fast({ attempts: 2 }));
		expect(out).toMatchObject({ ok: false, status: null, attempts: 2, error: { code: 'network' } });
		expect(out.error!.message).toMatch(/connection (reset|closed)/);
		expect(out.error!.message).toContain('after 2 attempts');
		expect(s.requests).toHaveLength(2);
	});

	it('500 then 200 succeeds on attempt 2', async () => {
		const s = await server((_req, res, i) => {
			res.statusCode = i === 0 ? 500 : 200;
			res.end(i === 0 ? 'boom' : 'ok');
		});
		const out = await deliver(jsonRequest(s.url), fast());
		expect(out).toMatchObject({ ok: true, status: 200, attempts: 2, body: 'ok' });
		expect(out.attemptLog).toEqual([
			{ attempt: 1, status: 500 },
			{ attempt: 2, status: 200, waitedMs: expect.any(Number) },
		]);
	});

	it.each([408, 425, 429, 500, 502, 503, 504])('%i is retried', async (status) => {
		const s = await server((_req, res) => {
			res.statusCode = status;
			res.end();
		});
		const out = await deliver(jsonRequest(s.url), fast({ attempts: 3 }));
		expect(out).toMatchObject({ ok: false, status, attempts: 3, error: { code: 'http_status' } });
		expect(s.requests).toHaveLength(3);
	});

	it.each([400, 401, 403, 404, 409, 413, 422])('%i is not retried', async (status) => {
		const s = await server((_req, res) => {
			res.statusCode = status;
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ error: 'nope' }));
		});
		const out = await deliver(jsonRequest(s.url), fast({ attempts: 3 }));
		expect(out).toMatchObject({ ok: false, status, attempts: 1, body: { error: 'nope' }, error: { code: 'http_status' } });
		expect(out.error!.message).toBe(`the endpoint answered ${status}`);
		expect(s.requests).toHaveLength(1);
	});

	it('301 is not followed and not retried; the Location target is never hit', async () => {
		const target = await server((_req, res) => res.end('should not be reached'));
		const s = await server((_req, res) => {
			res.writeHead(301, { location: `${target.url}?secret=1` });
			res.end();
		});
		const out = await deliver(jsonRequest(s.url), fast({ attempts: 3 }));
		expect(out).toMatchObject({ ok: false, status: 301, attempts: 1, error: { code: 'redirect' } });
		expect(out.error!.message).toContain(`redirect to ${target.url}`);
		expect(out.error!.message).not.toContain('secret=1');
		expect(target.requests).toHaveLength(0);
		expect(target.connections()).toBe(0);
	});

	it.each([302, 307, 308])('%i is a redirect failure', async (status) => {
		const s = await server((_req, res) => {
			res.writeHead(status, { location: '/elsewhere' });
			res.end();
		});
		const out = await deliver(jsonRequest(s.url), fast());
		expect(out).toMatchObject({ ok: false, status, attempts: 1, error: { code: 'redirect' } });
		expect(s.requests).toHaveLength(1);
	});

	it('410 means gone and is not retried', async () => {
		const s = await server((_req, res) => {
			res.statusCode = 410;
			res.end();
		});
		const out = await deliver(jsonRequest(s.url), fast({ attempts: 5 }));
		expect(out).toMatchObject({
			ok: false,
			status: 410,
			attempts: 1,
			error: { code: 'gone', message: 'endpoint gone (410): stop sending to it' },
		});
	});

	/** A server answering the first request `status` with Retry-After `value()` (read as it answers), later ones 200 'ok'. */
	const retryAfterOnce = (status: number, value: () => string) =>
		server((_req, res, i) => {
			if (i === 0) res.writeHead(status, { 'retry-after': value() });
			res.end(i === 0 ? undefined : 'ok');
		});

	/** Delivered on the second attempt, after a wait of at least `min` and under `max` ms. */
	function expectRetriedAfter(out: Awaited<ReturnType<typeof deliver>>, min: number, max: number): void {
		expect(out).toMatchObject({ ok: true, attempts: 2 });
		expect(out.attemptLog[1].waitedMs).toBeGreaterThanOrEqual(min);
		expect(out.attemptLog[1].waitedMs).toBeLessThan(max);
	}

	it('429 with Retry-After seconds waits that long', async () => {
		const s = await retryAfterOnce(429, () => '1');
		const out = await deliver(jsonRequest(s.url), fast({ maxRetryAfterMs: 5000 }));
		expectRetriedAfter(out, 990, 1500);
		expect(out.headers['retry-after']).toBeUndefined(); // headers are from the last response
	});

	it('Retry-After seconds is capped by maxRetryAfterMs', async () => {
		const s = await retryAfterOnce(503, () => '120');
		const out = await deliver(jsonRequest(s.url), fast({ maxRetryAfterMs: 200 }));
		expectRetriedAfter(out, 190, 700);
	});

	it('429 with an HTTP-date Retry-After waits until then', async () => {
		// HTTP-dates have whole seconds: wait at least ~1 s, at most ~2 s.
		const s = await retryAfterOnce(429, () => new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000).toUTCString());
		const out = await deliver(jsonRequest(s.url), fast({ maxRetryAfterMs: 10_000 }));
		expectRetriedAfter(out, 900, 2600);
		expect(s.requests).toHaveLength(2);
	});

	it('an HTTP-date Retry-After is capped too', async () => {
		const s = await retryAfterOnce(429, () => new Date(Date.now() + 3_600_000).toUTCString());
		const out = await deliver(jsonRequest(s.url), fast({ maxRetryAfterMs: 250 }));
		expectRetriedAfter(out, 240, 800);
	});

	it('backoff uses the injected random source (full jitter)', async () => {
		const s = await server((_req, res) => {
			res.statusCode = 500;
			res.end();
		});
		const out = await deliver(jsonRequest(s.url), fast({ attempts: 3, backoffBaseMs: 100, backoffCapMs: 1000, random: () => 0.5 }));
		// waits: 0.5 * 100 = 50, then 0.5 * 200 = 100
		expect(out.attemptLog.map((e) => e.waitedMs)).toEqual([undefined, expect.any(Number), expect.any(Number)]);
		expect(out.attemptLog[1].waitedMs).toBeGreaterThanOrEqual(45);
		expect(out.attemptLog[2].waitedMs).toBeGreaterThanOrEqual(95);
		expect(out.attemptLog[2].waitedMs).toBeLessThan(400);
	});

	it('oversized body is truncated at maxResponseBytes and the delivery stays ok', async () => {
		const s = await server((_req, res) => {
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ data: 'x'.repeat(200_000) }));
		});
		const out = await deliver(jsonRequest(s.url), fast({ maxResponseBytes: 1000 }));
		expect(out).toMatchObject({ ok: true, status: 200, bodyTruncated: true });
		expect(typeof out.body).toBe('string'); // truncated JSON is not parsed
		expect(Buffer.byteLength(out.body as string)).toBe(1000);
	});

	it('prepare() runs before every attempt while the delivery id stays the same', async () => {
		const s = await server((_req, res, i) => {
			res.statusCode = i < 2 ? 503 : 204;
			res.end();
		});
		const req = jsonRequest(s.url);
		const out = await deliver(req, fast({ attempts: 3 }));
		expect(out).toMatchObject({ ok: true, status: 204, attempts: 3, deliveryId: 'msg_test_1' });
		expect(req.calls).toEqual([1, 2, 3]);
		expect(s.requests.map((r) => r.headers['webhook-id'])).toEqual(['msg_test_1', 'msg_test_1', 'msg_test_1']);
		expect(s.requests.map((r) => r.headers['webhook-timestamp'])).toEqual(['ts-1', 'ts-2', 'ts-3']);
	});

	it('never echoes request headers, credentials or the query string in the outcome', async () => {
		const s = await server((req) => req.socket.destroy());
		const out = await deliver(jsonRequest(`${s.url}?api_key=qs-secret`), fast({ attempts: 2 }));
		const text = JSON.stringify(out);
		expect(text).not.toContain(SECRET);
		expect(text).not.toContain('qs-secret');
	});
});

describe('cancellation', () => {
	it('the caller signal aborts an in-flight request', async () => {
		const s = await server(() => undefined);
		const ac = new AbortController();
		setTimeout(() => ac.abort(), 200);
		const t0 = Date.now();
		const out = await deliver(jsonRequest(s.url), fast({ signal: ac.signal, totalTimeoutMs: 30_000, attempts: 3 }));
		const elapsed = Date.now() - t0;
		precision.push(`abort at 200 ms (in flight) → ${elapsed} ms`);
		expect(out).toMatchObject({ ok: false, attempts: 1, error: { code: 'aborted' } });
		expect(elapsed).toBeLessThan(200 + 1500);
		expect(s.requests).toHaveLength(1);
	});

	it('the caller signal stops a backoff wait', async () => {
		const s = await server((_req, res) => {
			res.statusCode = 500;
			res.end();
		});
		const ac = new AbortController();
		setTimeout(() => ac.abort(), 300);
		const t0 = Date.now();
		const out = await deliver(
			jsonRequest(s.url),
			fast({ signal: ac.signal, attempts: 3, backoffBaseMs: 20_000, backoffCapMs: 20_000, random: () => 0.99 }),
		);
		const elapsed = Date.now() - t0;
		expect(out).toMatchObject({ ok: false, status: 500, attempts: 1, error: { code: 'aborted' } });
		expect(out.error!.message).toContain('waiting to retry');
		expect(elapsed).toBeLessThan(300 + 1500);
		expect(s.requests).toHaveLength(1);
	});

	it('an already-aborted signal makes no attempt', async () => {
		const s = await server((_req, res) => res.end());
		const out = await deliver(jsonRequest(s.url), fast({ signal: AbortSignal.abort() }));
		expect(out).toMatchObject({ ok: false, attempts: 0, error: { code: 'aborted' } });
		expect(s.connections()).toBe(0);
	});
});

describe('URL rules (always on)', () => {
	it.each([
		['not a url', 'not a valid absolute URL'],
		['/relative', 'not a valid absolute URL'],
		['ftp://127.0.0.1/x', 'only http and https'],
		['file:///etc/passwd', 'only http and https'],
		['http://user:pa55word@127.0.0.1/x', 'must not contain credentials'],
		['http://user@127.0.0.1/x', 'must not contain credentials'],
	])('%s is refused', async (url, message) => {
		const before = guard.connects.length;
		const out = await deliver(jsonRequest(url), fast());
		expect(out).toMatchObject({ ok: false, attempts: 0, status: null, error: { code: 'invalid_url' } });
		expect(out.error!.message).toContain(message);
		expect(out.error!.message).not.toContain('pa55word');
		expect(guard.connects.length).toBe(before);
	});
});

describe('programmer errors throw', () => {
	it('rejects bad options and bad prepared requests', async () => {
		await expect(deliver(jsonRequest('http://127.0.0.1/'), { attempts: 0 })).rejects.toThrow(/attempts/);
		await expect(deliver(jsonRequest('http://127.0.0.1/'), { totalTimeoutMs: Number.NaN })).rejects.toThrow(/totalTimeoutMs/);
		await expect(deliver({ ...jsonRequest('http://127.0.0.1/'), method: 'GET' as 'POST' })).rejects.toThrow(/method/);
		const badHeader: DeliveryRequest = {
			url: 'http://127.0.0.1:1/',
			method: 'POST',
			deliveryId: 'x',
			prepare: () => ({ headers: { 'x-key': `${SECRET}\r\nInjected: 1` }, body: Buffer.alloc(0) }),
		};
		const err = await deliver(badHeader, fast()).catch((e: Error) => e);
		expect(err).toBeInstanceOf(TypeError);
		expect((err as Error).message).toContain('x-key');
		expect((err as Error).message).not.toContain(SECRET);
	});
});

describe('retry policy helpers', () => {
	it('classifies statuses', () => {
		expect([408, 425, 429, 500, 599].every(isRetryableStatus)).toBe(true);
		expect([200, 301, 400, 404, 410, 499, 600].some(isRetryableStatus)).toBe(false);
	});

	it('full jitter stays within [0, min(cap, base * 2^(n-1)))', () => {
		expect(backoffDelayMs(1, 100, 10_000, () => 0)).toBe(0);
		expect(backoffDelayMs(1, 100, 10_000, () => 0.999)).toBe(99);
		expect(backoffDelayMs(3, 100, 10_000, () => 0.5)).toBe(200);
		expect(backoffDelayMs(20, 100, 10_000, () => 0.5)).toBe(5000);
		for (let n = 1; n < 30; n++) {
			const d = backoffDelayMs(n, 250, 8000, Math.random);
			expect(d).toBeGreaterThanOrEqual(0);
			expect(d).toBeLessThan(Math.min(8000, 250 * 2 ** (n - 1)));
		}
	});

	it('parses Retry-After', () => {
		const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
		expect(parseRetryAfterMs('120', now)).toBe(120_000);
		expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
		expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
		expect(parseRetryAfterMs(undefined, now)).toBeNull();
		expect(parseRetryAfterMs('', now)).toBeNull();
		expect(parseRetryAfterMs('-5', now)).toBeNull();
		expect(parseRetryAfterMs('1.5', now)).toBeNull();
		expect(parseRetryAfterMs('soon', now)).toBeNull();
	});

	it('presets', () => {
		expect(resolveSenderOptions()).toMatchObject({ attempts: 3, maxResponseBytes: 1024 * 1024, blockPrivateAddresses: true });
		expect(SYNTHESISVR_PRESET).toMatchObject({ totalTimeoutMs: 2000, attempts: 1 });
	});
});
