/**
 * The bounds the Options fields show, enforced in code from version 1.2 (an expression, an AI
 * tool's answer or a hand-edited workflow bypasses the editor's minValue/maxValue), and what
 * versions 1 and 1.1 keep doing. Real in-process runs against a real 127.0.0.1 server.
 */
import type * as http from 'node:http';

import { displayParameter, type INodeProperties } from 'n8n-workflow';

import { MAX_CONCURRENCY, OPTION_LIMITS } from '../../nodes/SendWebhook/description';
import { useFileServer, useLoopbackGuard } from '../helpers/loopbackSuite';
import { outputOf, send, sendWebhook } from './helpers';

/** The longest timeout or wait, and n8n's own body limit, as the Options fields bound them. */
const MAX_TIMEOUT_MS = OPTION_LIMITS.totalTimeoutMs.max;
const MAX_RESPONSE_BYTES = OPTION_LIMITS.maxResponseBytes.max;

const LOCAL = { blockPrivateAddresses: false, backoffBaseMs: 0, backoffCapMs: 0 };

useLoopbackGuard();
const ok = useFileServer((_req, res) => res.end('{}'));
const failing = useFileServer((_req: http.IncomingMessage, res: http.ServerResponse) => {
	res.writeHead(503);
	res.end();
});

describe('the fields show the bounds the code enforces', () => {
	const options = sendWebhook.description.properties.find((p) => p.name === 'options')?.options as INodeProperties[];

	it.each(Object.entries(OPTION_LIMITS))('%s: minValue/maxValue come from OPTION_LIMITS', (name, limit) => {
		const shown = options.filter((p) => p.name === name && displayParameter({}, p, { typeVersion: 1.2 }, sendWebhook.description));
		expect(shown).toHaveLength(1);
		expect(shown[0].typeOptions?.minValue).toBe(limit.min);
		expect(shown[0].typeOptions?.maxValue).toBe('max' in limit ? limit.max : undefined);
	});

	it('the bounds themselves', () => {
		expect(OPTION_LIMITS.attempts).toMatchObject({ min: 1, max: 10, integer: true });
		expect(OPTION_LIMITS.concurrency).toMatchObject({ min: 1, max: MAX_CONCURRENCY, integer: true });
		for (const name of ['connectTimeoutMs', 'headersTimeoutMs', 'totalTimeoutMs', 'backoffBaseMs', 'backoffCapMs', 'maxRetryAfterMs'] as const) {
			expect(OPTION_LIMITS[name].max).toBe(MAX_TIMEOUT_MS);
		}
		expect(MAX_TIMEOUT_MS).toBe(300_000);
		expect(MAX_RESPONSE_BYTES).toBe(16 * 1024 * 1024);
	});
});

describe('version 1.2: a value outside the bounds fails the node before anything is sent', () => {
	it.each([
		['attempts', '={{ 0 }}', 'Options → Attempts is 0 (evaluated for item 0): it must be a whole number from 1 to 10'],
		['attempts', '={{ 11 }}', 'Options → Attempts is 11 (evaluated for item 0): it must be a whole number from 1 to 10'],
		['attempts', '={{ 2.5 }}', 'Options → Attempts is 2.5 (evaluated for item 0): it must be a whole number from 1 to 10'],
		['attempts', '={{ "lots" }}', 'Options → Attempts is not a number (evaluated for item 0): it must be a whole number from 1 to 10'],
		['attempts', '={{ [] }}', 'Options → Attempts is not a number (evaluated for item 0): it must be a whole number from 1 to 10'],
		['concurrency', '={{ 0 }}', 'Options → Concurrency is 0 (evaluated for item 0): it must be a whole number from 1 to 100'],
		['concurrency', '={{ 1000 }}', 'Options → Concurrency is 1000 (evaluated for item 0): it must be a whole number from 1 to 100'],
		['concurrency', '={{ 1.5 }}', 'Options → Concurrency is 1.5 (evaluated for item 0): it must be a whole number from 1 to 100'],
		['connectTimeoutMs', '={{ 0 }}', 'Options → Connect Timeout (Ms) is 0 (evaluated for item 0): it must be a number from 1 to 300000'],
		['headersTimeoutMs', '={{ -1 }}', 'Options → Response Headers Timeout (Ms) is -1 (evaluated for item 0): it must be a number from 1 to 300000'],
		['totalTimeoutMs', '={{ 1e9 }}', 'Options → Total Timeout per Attempt (Ms) is 1000000000 (evaluated for item 0): it must be a number from 1 to 300000'],
		['backoffBaseMs', '={{ -5 }}', 'Options → Backoff Base (Ms) is -5 (evaluated for item 0): it must be a number from 0 to 300000'],
		['backoffCapMs', '={{ 300001 }}', 'Options → Backoff Cap (Ms) is 300001 (evaluated for item 0): it must be a number from 0 to 300000'],
		['maxRetryAfterMs', '={{ 3600000 }}', 'Options → Max Retry-After (Ms) is 3600000 (evaluated for item 0): it must be a number from 0 to 300000'],
		['maxResponseBytes', `={{ ${MAX_RESPONSE_BYTES + 1} }}`, `Options → Max Response Size (Bytes) is ${MAX_RESPONSE_BYTES + 1} (evaluated for item 0): it must be a whole number from 0 to ${MAX_RESPONSE_BYTES}`],
		['maxBatchSize', '={{ -1 }}', 'Options → Max Batch Size is -1 (evaluated for item 0): it must be a whole number at least 0'],
		['maxBatchSize', '={{ 2.5 }}', 'Options → Max Batch Size is 2.5 (evaluated for item 0): it must be a whole number at least 0'],
	])('%s = %s', async (name, value, message) => {
		const result = await send({ parameters: { url: ok.url, options: { ...LOCAL, [name]: value } }, items: [{}, {}] });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(message);
		expect(ok.requests).toHaveLength(0);
	});

	it('a value that is not a number is not echoed (an expression may have produced anything)', async () => {
		const result = await send({ parameters: { url: ok.url, options: { ...LOCAL, attempts: '={{ "secret-looking-value" }}' } }, items: [{}] });
		expect(result.error?.message).not.toContain('secret-looking-value');
	});

	it('the bounds themselves are accepted, and numbers given as text are read as numbers', async () => {
		const edges = outputOf(
			await send({ parameters: { url: failing.url, options: { ...LOCAL, attempts: '={{ "2" }}', concurrency: MAX_CONCURRENCY, totalTimeoutMs: MAX_TIMEOUT_MS } }, items: [{}], continueOnFail: true }),
		);
		expect(edges[0]).toMatchObject({ ok: false, status: 503, attempts: 2 });
		const ten = outputOf(await send({ parameters: { url: failing.url, options: { ...LOCAL, attempts: 10 } }, items: [{}], continueOnFail: true }));
		expect(ten[0].attempts).toBe(10);
	});

	it('options left unset keep their defaults (3 attempts)', async () => {
		const output = outputOf(await send({ parameters: { url: failing.url, options: LOCAL }, items: [{}], continueOnFail: true }));
		expect(output[0].attempts).toBe(3);
	});
});

describe('versions 1 and 1.1 keep their behaviour for saved workflows', () => {
	it('version 1.1: more attempts than the field allows are still made', async () => {
		const output = outputOf(
			await send({ parameters: { url: failing.url, options: { ...LOCAL, attempts: '={{ 12 }}' } }, items: [{}], continueOnFail: true, typeVersion: 1.1 }),
		);
		expect(output[0]).toMatchObject({ ok: false, attempts: 12 });
		expect(failing.requests).toHaveLength(12);
	});

	it('version 1.1: a value that is not a number is ignored (the default applies), as before', async () => {
		const output = outputOf(
			await send({ parameters: { url: failing.url, options: { ...LOCAL, attempts: '={{ "lots" }}' } }, items: [{}], continueOnFail: true, typeVersion: 1.1 }),
		);
		expect(output[0].attempts).toBe(3);
	});

	it('version 1.1: a negative Max Batch Size still means "no limit"', async () => {
		outputOf(await send({ parameters: { url: ok.url, mode: 'batch', options: { ...LOCAL, maxBatchSize: -1 } }, items: [{}, {}, {}], typeVersion: 1.1 }));
		expect(ok.requests).toHaveLength(1);
	});

	it.each([1, 1.1])('version %p: values the sender always refused (0 attempts) fail, now with the clear message', async (typeVersion) => {
		const result = await send({ parameters: { url: ok.url, options: { ...LOCAL, attempts: '={{ 0 }}' } }, items: [{}], typeVersion });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe('Options → Attempts is 0 (evaluated for item 0): it must be a whole number from 1 to 10');
		expect(ok.requests).toHaveLength(0);
	});
});
