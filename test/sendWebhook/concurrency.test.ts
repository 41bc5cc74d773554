/**
 * How many requests the Send Webhook node keeps in flight (per-item mode): the default per
 * node version, the hard bound that holds even when the field's maxValue is bypassed, and that
 * the sender's connection pool lets that many through to one origin and reuses its sockets.
 * Real in-process workflow runs against a real 127.0.0.1 server.
 */
import type * as http from 'node:http';

import { displayParameter, type INodeProperties } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY, V1_DEFAULT_CONCURRENCY } from '../../nodes/SendWebhook/description';
import { concurrencyFor } from '../../nodes/SendWebhook/senderSettings';
import { startServer, type TestServer } from '../helpers/httpServers';
import { useLoopbackGuard } from '../helpers/loopbackSuite';
import { outputOf, send, sendWebhook } from './helpers';

const LOCAL = { blockPrivateAddresses: false };

useLoopbackGuard();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
	await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface GatedServer {
	target: TestServer;
	maxInFlight(): number;
}

/**
 * Holds every request until `expected` are in flight, then 150 ms longer so that any request
 * beyond the limit would arrive and be counted, then answers them all; later requests are
 * answered at once. If fewer than `expected` ever arrive together (a hidden cap), it gives up
 * after 10 s and the test sees the smaller number.
 */
async function gatedServer(expected: number): Promise<GatedServer> {
	let inFlight = 0;
	let maxInFlight = 0;
	let open = false;
	const held: http.ServerResponse[] = [];
	const timers: NodeJS.Timeout[] = [];
	const answer = (res: http.ServerResponse) => {
		inFlight--;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end('{"ok":true}');
	};
	const release = () => {
		open = true;
		for (const res of held.splice(0)) answer(res);
	};
	const target = await startServer((_req, res) => {
		inFlight++;
		maxInFlight = Math.max(maxInFlight, inFlight);
		if (open) return answer(res);
		held.push(res);
		if (held.length === 1) timers.push(setTimeout(release, 10_000));
		if (held.length === expected) timers.push(setTimeout(release, 150));
	});
	cleanups.push(async () => {
		for (const timer of timers) clearTimeout(timer);
		await target.close();
	});
	return { target, maxInFlight: () => maxInFlight };
}

describe('concurrencyFor: default per version, clamped to [1, MAX_CONCURRENCY]', () => {
	it.each([
		[undefined, 1.1, DEFAULT_CONCURRENCY],
		[undefined, 1, V1_DEFAULT_CONCURRENCY],
		[10, 1.1, 10],
		[10, 1, 10],
		[MAX_CONCURRENCY, 1.1, MAX_CONCURRENCY],
		[MAX_CONCURRENCY + 1, 1.1, MAX_CONCURRENCY],
		[1_000_000, 1, MAX_CONCURRENCY],
		[Infinity, 1.1, MAX_CONCURRENCY],
		[0, 1.1, 1],
		[-5, 1.1, 1],
		[-Infinity, 1.1, 1],
		[2.9, 1.1, 2],
		[0.5, 1.1, 1],
		[Number.NaN, 1.1, DEFAULT_CONCURRENCY],
		['30', 1.1, 30],
		['500', 1, MAX_CONCURRENCY],
		['', 1.1, DEFAULT_CONCURRENCY],
		['many', 1.1, DEFAULT_CONCURRENCY],
		[null, 1, V1_DEFAULT_CONCURRENCY],
	])('%p on version %p → %p', (value, version, expected) => {
		expect(concurrencyFor(value, version)).toBe(expected);
	});

	it('the defaults are what the issue asks: polite but fast (25–50 by default, 100 at most)', () => {
		expect(DEFAULT_CONCURRENCY).toBeGreaterThanOrEqual(25);
		expect(DEFAULT_CONCURRENCY).toBeLessThanOrEqual(50);
		expect(MAX_CONCURRENCY).toBe(100);
		expect(V1_DEFAULT_CONCURRENCY).toBe(4);
	});
});

describe('the Concurrency field per node version (n8n keeps v1 behaviour for saved workflows)', () => {
	const { description } = sendWebhook;
	const options = description.properties.find((p) => p.name === 'options')?.options as INodeProperties[];

	it('new nodes are version 1.3; versions 1, 1.1 and 1.2 are still loadable', () => {
		expect(description.version).toEqual([1, 1.1, 1.2, 1.3]);
		expect(description.defaultVersion).toBe(1.3);
	});

	it.each([
		[1, V1_DEFAULT_CONCURRENCY, 50],
		[1.1, DEFAULT_CONCURRENCY, MAX_CONCURRENCY],
		[1.2, DEFAULT_CONCURRENCY, MAX_CONCURRENCY],
		[1.3, DEFAULT_CONCURRENCY, MAX_CONCURRENCY],
	])('version %p shows one Concurrency field: default %p, at most %p', (typeVersion, expectedDefault, expectedMax) => {
		const shown = options.filter((p) => p.name === 'concurrency' && displayParameter({}, p, { typeVersion }, description));
		expect(shown).toHaveLength(1);
		expect(shown[0].default).toBe(expectedDefault);
		expect(shown[0].typeOptions).toMatchObject({ minValue: 1, maxValue: expectedMax });
	});
});

describe('Send Webhook: requests in flight', () => {
	it(`version 1.1 without the option keeps ${DEFAULT_CONCURRENCY} in flight and reuses their connections`, async () => {
		const gated = await gatedServer(DEFAULT_CONCURRENCY);
		const items = Array.from({ length: DEFAULT_CONCURRENCY * 2 + 5 }, (_, n) => ({ n }));
		const output = outputOf(await send({ parameters: { url: gated.target.url, options: LOCAL }, items }));

		expect(output).toHaveLength(items.length);
		expect(output.every((item) => item.ok === true)).toBe(true);
		expect(gated.maxInFlight()).toBe(DEFAULT_CONCURRENCY);
		expect(gated.target.connections()).toBe(DEFAULT_CONCURRENCY);
	});

	it(`version 1 without the option keeps ${V1_DEFAULT_CONCURRENCY} in flight, as before`, async () => {
		const gated = await gatedServer(V1_DEFAULT_CONCURRENCY);
		const items = Array.from({ length: 12 }, (_, n) => ({ n }));
		const output = outputOf(await send({ parameters: { url: gated.target.url, options: LOCAL }, items, typeVersion: 1 }));

		expect(output).toHaveLength(items.length);
		expect(gated.maxInFlight()).toBe(V1_DEFAULT_CONCURRENCY);
	});

	it(`version 1.1: a concurrency above the field's maximum (set by an expression) is clamped to ${MAX_CONCURRENCY}, and ${MAX_CONCURRENCY} reach one origin`, async () => {
		const gated = await gatedServer(MAX_CONCURRENCY);
		const items = Array.from({ length: MAX_CONCURRENCY + 50 }, (_, n) => ({ n }));
		const output = outputOf(
			await send({ parameters: { url: gated.target.url, options: { ...LOCAL, concurrency: '={{ 1000 }}' } }, items, typeVersion: 1.1 }),
		);

		expect(output).toHaveLength(items.length);
		expect(output.every((item) => item.ok === true)).toBe(true);
		// Exactly the bound: not more (the clamp), not fewer (no per-origin connection cap below it).
		expect(gated.maxInFlight()).toBe(MAX_CONCURRENCY);
		// The 50 after the first 100 went over idle keep-alive sockets, not new connections.
		expect(gated.target.connections()).toBe(MAX_CONCURRENCY);
	});

	it('version 1 is clamped too', async () => {
		const gated = await gatedServer(MAX_CONCURRENCY);
		const items = Array.from({ length: MAX_CONCURRENCY + 20 }, (_, n) => ({ n }));
		outputOf(await send({ parameters: { url: gated.target.url, options: { ...LOCAL, concurrency: 5000 } }, items, typeVersion: 1 }));

		expect(gated.maxInFlight()).toBe(MAX_CONCURRENCY);
	});
});
