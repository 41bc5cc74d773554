// Hostile deliveries against every trigger in a real (in-process) n8n workflow: each class of
// problem of issue 9 is answered 4xx with a JSON reason before any execution starts, the sender
// learns only the code, and the operator's log gets the detail without the secret.
import { createRequire } from 'node:module';

import { signStandardWebhook } from '../../nodes/shared/standardWebhooks';
import { createRoomleToken } from '../../nodes/shared/roomleToken';
import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { runTriggerWorkflow, type TriggerRunResult } from '../helpers/n8n';
import { sendCase, TRIGGER_CASES, triggerCase } from './cases';
import { expectRejected, received } from './helpers';

/** n8n's logger as n8n-core resolves it (n8n-core has its own copy of @n8n/di). */
function n8nLogger(): { warn: (...args: unknown[]) => void } {
	const fromCore = createRequire(require.resolve('n8n-core'));
	return fromCore('@n8n/di').Container.get(fromCore('@n8n/backend-common').Logger);
}

/** The documented JSON nesting limit (README, Limits: 32 levels), stated here rather than read from the code. */
const MAX_JSON_DEPTH = 32;
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe.each(TRIGGER_CASES)('$name Trigger: hostile input', (c) => {
	it('refuses a body over its size limit with 413, before the signature is checked', async () => {
		const big = c.body.replace(/\n}$|\n]$/, (end) => `${' '.repeat(2048)}${end}`);
		expectRejected(await sendCase(c, { body: big, parameters: { options: { maxBodyKib: 1 } } }), 413, 'payload_too_large');
		// The same delivery passes under the default limit (1 MiB): only the size was refused.
		received(await sendCase(c, { body: big }));
		// An expression cannot lift the limit: out-of-range values fall back to the default.
		received(await sendCase(c, { parameters: { options: { maxBodyKib: -5 } } }));
	});

	it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400`, async () => {
		expectRejected(await sendCase(c, { body: deep(MAX_JSON_DEPTH + 1) }), 400, 'bad_payload');
		expectRejected(await sendCase(c, { body: deep(5000) }), 400, 'bad_payload');
	});

	it('refuses a body that is not UTF-8 with 400 instead of decoding it lossily', async () => {
		// Inside a string, so the JSON is well-formed once decoded lossily (what n8n's parser does).
		const [head, tail] = c.body.split(/(?<=^\[?\s*\{)/);
		const bytes = Buffer.concat([Buffer.from(`${head}"note":"`), Buffer.from([0xff, 0xfe]), Buffer.from(`",${tail}`)]);
		const result = await sendCase(c, { body: bytes });
		expectRejected(result, 400, 'bad_payload');
		expect(result.responseBody).toEqual({ error: 'bad_payload', message: 'The body is not valid UTF-8' });
	});

	it('refuses __proto__ and constructor.prototype keys with 400', async () => {
		for (const key of ['"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}', '"\\u005f_proto__":{}']) {
			const body = c.body.replace(/^(\[?\s*\{)/, `$1${key},`);
			expectRejected(await sendCase(c, { body }), 400, 'bad_payload');
		}
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('answers a rejected sender with the code only, and logs the detail for the operator without the secret', async () => {
		const warn = jest.spyOn(n8nLogger(), 'warn');
		try {
			const result = await sendCase(c, { authenticated: false });
			expect(result.status).toBe(401);
			const { error, message } = result.responseBody as { error: string; message: string };
			expect(error).toBe('missing_header');
			expect(message).toBe('A header this webhook requires is missing');
			const [line, meta] = warn.mock.calls.at(-1) as [string, Record<string, unknown>];
			expect(line).toBe('Webhook delivery rejected: missing_header (401)');
			expect(meta).toMatchObject({ workflowId: 'harness-workflow', code: 'missing_header', detail: expect.any(String) });
			const secrets = Object.values(c.credentials).flatMap((data) => Object.entries(data).filter(([field]) => field !== 'headerName').map(([, value]) => value));
			for (const secret of secrets) {
				expect(JSON.stringify(warn.mock.calls)).not.toContain(secret);
			}
		} finally {
			warn.mockRestore();
		}
	});
});

describe('limits the UI shows hold for expressions too', () => {
	it('a negative or non-numeric tolerance falls back to 300 s instead of turning the time check off', async () => {
		const c = triggerCase('SYNCHUB');
		const secret = c.credentials.synchubWebhookApi.secret;
		const stale = String(Math.floor(Date.now() / 1000) - 600);
		const { createHmac } = await import('node:crypto');
		const headers = { 'x-synchub-timestamp': stale, 'x-synchub-signature': createHmac('sha256', secret).update(`${stale}.${c.body}`).digest('hex') };
		for (const toleranceSeconds of [-1, 'soon', 1e12]) {
			const result = await runTriggerWorkflow({
				node: c.node,
				parameters: { signedContent: 'timestamp.body', timestampHeader: 'x-synchub-timestamp', toleranceSeconds },
				credentials: c.credentials,
				request: { method: 'POST', body: c.body, headers: { 'content-type': 'application/json', ...headers } },
			});
			expectRejected(result, 401, 'stale_timestamp');
		}
	});
});

describe('a refused delivery to the test URL', () => {
	it.each(TRIGGER_CASES)('$name: fails the test run with the reason instead of leaving the editor listening', async (c) => {
		const result = await runTriggerWorkflow({ node: c.node, parameters: c.parameters, credentials: c.credentials, mode: 'manual', request: { method: 'POST', body: c.body, headers: { 'content-type': 'application/json' } } });
		expect(result.downstreamItems).toHaveLength(0);
		const error = result.executionError as { message: string; description: string };
		expect(error.message).toBe('Delivery refused: A header this webhook requires is missing');
		expect(error.description).toMatch(/^missing_header: .*answered 401 and starts no execution\.$/);
		const secrets = Object.values(c.credentials).flatMap((data) => Object.entries(data).filter(([field]) => field !== 'headerName').map(([, value]) => value));
		for (const secret of secrets) expect(JSON.stringify(error)).not.toContain(secret);
	});
});

describe('HTTP whitespace around header values (RFC 9110)', () => {
	it.each(TRIGGER_CASES.filter((c) => c.name !== 'SynthesisVR'))('$name: a secret followed by U+00A0 is refused, spaces and tabs are not', async (c) => {
		const { headers = {} } = c.auth(c.body);
		const [name, value] = Object.entries(headers)[0];
		const send = (v: string) => runTriggerWorkflow({ node: c.node, parameters: c.parameters, credentials: c.credentials, request: { method: 'POST', body: c.body, headers: { 'content-type': 'application/json', [name]: v } } });
		expect((await send(`${value}\u00a0`)).status).toBe(401);
		expect((await send(`\u2003${value}`)).status).toBe(401);
		received(await send(` \t${value}\t `));
	});
});

describe('replays within the timestamp window', () => {
	const synchub = triggerCase('SYNCHUB');
	const WHSEC = `whsec_${Buffer.from('a-standard-webhooks-secret-32-by').toString('base64')}`;
	const standard = { verification: 'standardWebhooks' };
	const nowSec = () => Math.floor(Date.now() / 1000);
	const send = (nodeId: string, headers: Record<string, string>, parameters = {}): Promise<TriggerRunResult> =>
		runTriggerWorkflow({
			node: new SynchubTrigger(),
			parameters: { ...standard, ...parameters },
			credentials: { synchubWebhookApi: { secret: WHSEC } },
			nodeId,
			request: { method: 'POST', body: synchub.body, headers: { 'content-type': 'application/json', ...headers } },
		});
	const duplicate = (result: TriggerRunResult) => {
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual({ received: true, duplicate: true, accepted: 0, ignored: 0 });
		expect(result.executed).toBe(false);
	};

	it('Standard Webhooks: the same webhook-id again → 2xx duplicate, no second execution; the id is meta.dedupKey', async () => {
		const nodeId = `replay-${Date.now()}`;
		const headers = signStandardWebhook({ secret: WHSEC, body: Buffer.from(synchub.body), timestamp: nowSec(), id: 'msg_replay_1' });
		expect(received(await send(nodeId, headers))[0].meta.dedupKey).toBe('msg_replay_1');
		duplicate(await send(nodeId, headers));
		// An honest retry of the same message (new timestamp, new signature) is a duplicate too.
		duplicate(await send(nodeId, signStandardWebhook({ secret: WHSEC, body: Buffer.from(synchub.body), timestamp: nowSec() + 1, id: 'msg_replay_1' })));
		// Another message passes; so does the same message at another node (another workflow).
		received(await send(nodeId, signStandardWebhook({ secret: WHSEC, body: Buffer.from(synchub.body), timestamp: nowSec(), id: 'msg_replay_2' })));
		received(await send(`${nodeId}-other`, headers));
	});

	it('answering after the workflow, every retry runs again, even an exact copy: the earlier one may have failed (5xx)', async () => {
		const nodeId = `replay-after-${Date.now()}`;
		const after = { respond: 'lastNode' };
		const headers = signStandardWebhook({ secret: WHSEC, body: Buffer.from(synchub.body), timestamp: nowSec(), id: 'msg_after_1' });
		expect((await send(nodeId, headers, after)).executed).toBe(true);
		expect((await send(nodeId, headers, after)).executed).toBe(true);
	});

	it('a rejected copy is not remembered: a forged signature cannot block the real delivery', async () => {
		const nodeId = `replay-forged-${Date.now()}`;
		const headers = signStandardWebhook({ secret: WHSEC, body: Buffer.from(synchub.body), timestamp: nowSec(), id: 'msg_forged' });
		expect((await send(nodeId, { ...headers, 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).status).toBe(401);
		received(await send(nodeId, headers));
	});

	it('Roomle: the same token with the same body → duplicate; a new token → a new execution', async () => {
		const roomle = triggerCase('Roomle');
		const nodeId = `replay-roomle-${Date.now()}`;
		const credentials = roomle.credentials.roomleWebhookApi;
		const token = createRoomleToken({ apiKey: credentials.apiKey, secret: credentials.secret });
		const sendRoomle = (t: string) =>
			runTriggerWorkflow({ node: roomle.node, parameters: {}, credentials: roomle.credentials, nodeId, request: { method: 'POST', body: roomle.body, headers: { 'content-type': 'application/json', token: t } } });
		received(await sendRoomle(token));
		duplicate(await sendRoomle(token));
		received(await sendRoomle(createRoomleToken({ apiKey: credentials.apiKey, secret: credentials.secret, date: new Date(Date.now() + 1000) })));
	});
});

describe('Standard Webhooks timestamps are integer seconds only', () => {
	it.each([
		['milliseconds', (s: number) => String(s * 1000), 'future_timestamp'],
		['a fraction', (s: number) => `${s}.5`, 'bad_timestamp'],
		['an ISO date', (s: number) => new Date(s * 1000).toISOString(), 'bad_timestamp'],
		['a sign', (s: number) => `+${s}`, 'bad_timestamp'],
	])('refuses %s', async (_label, format, code) => {
		const synchub = triggerCase('SYNCHUB');
		const whsec = `whsec_${Buffer.from('another-standard-webhooks-secret').toString('base64')}`;
		const sec = Math.floor(Date.now() / 1000);
		const timestamp = format(sec);
		// Signed over the malformed value itself, so only the format can be what is refused.
		const { createHmac } = await import('node:crypto');
		const key = Buffer.from(whsec.slice('whsec_'.length), 'base64');
		const signature = `v1,${createHmac('sha256', key).update(`msg_ts.${timestamp}.${synchub.body}`).digest('base64')}`;
		const result = await runTriggerWorkflow({
			node: new SynchubTrigger(),
			parameters: { verification: 'standardWebhooks' },
			credentials: { synchubWebhookApi: { secret: whsec } },
			request: { method: 'POST', body: synchub.body, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_ts', 'webhook-timestamp': timestamp, 'webhook-signature': signature } },
		});
		expectRejected(result, 401, code);
	});
});
