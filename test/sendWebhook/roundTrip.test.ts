/**
 * Send Webhook → real local HTTP server → the matching trigger, for every signing scheme.
 * The node runs in a real in-process workflow, its request is captured on a 127.0.0.1 socket
 * (exact method, headers and bytes), then replayed unchanged into the trigger's workflow.
 */
import { normalizeHeaders } from '../../nodes/shared/encoding';
import { createDecipheriv, createHmac } from 'node:crypto';

import { ApiRtcTrigger } from '../../nodes/ApiRtcTrigger/ApiRtcTrigger.node';
import { EventWebhookTrigger } from '../../nodes/EventWebhookTrigger/EventWebhookTrigger.node';
import { RoomleTrigger } from '../../nodes/RoomleTrigger/RoomleTrigger.node';
import { SignedWebhookTrigger } from '../../nodes/SignedWebhookTrigger/SignedWebhookTrigger.node';
import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { SynthesisVrTrigger } from '../../nodes/SynthesisVrTrigger/SynthesisVrTrigger.node';
import { verifyStandardWebhook } from '../../nodes/shared/standardWebhooks';
import type { RecordedRequest } from '../helpers/httpServers';
import { runTriggerWorkflow, type TriggerRunResult } from '../helpers/n8n';
import { outputOf, replay, send, useReceiver } from './helpers';

const LOCAL = { blockPrivateAddresses: false };

const receiver = useReceiver();

/** Runs the node, checks it delivered exactly one request, and returns that request. */
async function sendAndCapture(parameters: Record<string, unknown>, credentials: Record<string, Record<string, string>>, items: unknown[]): Promise<RecordedRequest> {
	const output = outputOf(await send({ parameters: { url: receiver.server.url, options: LOCAL, ...parameters } as never, credentials, items }));
	expect(receiver.server.requests).toHaveLength(1);
	expect(output).toHaveLength(1);
	expect(output[0]).toMatchObject({ ok: true, status: 200, attempts: 1, body: { received: true } });
	const [captured] = receiver.server.requests;
	expect(captured.method).toBe('POST');
	expect(captured.url).toBe('/hook');
	expect(captured.headers['content-type']).toBe('application/json');
	return captured;
}

/** The trigger accepted the replayed request: an execution ran; returns what the next node got. */
function accepted(result: TriggerRunResult): Array<Record<string, any>> {
	expect(result.executionError).toBeUndefined();
	expect(result.status).toBe(200);
	expect(result.executed).toBe(true);
	return result.downstreamItems.map((item) => item.json as Record<string, any>);
}

function withoutMeta(item: Record<string, any>): Record<string, any> {
	return Object.fromEntries(Object.entries(item).filter(([key]) => key !== 'meta'));
}

const nowSec = () => Math.floor(Date.now() / 1000);

describe('hmac → SYNCHUB Trigger', () => {
	const SECRET = 'synchub-destination-secret-1';
	// One credential for both sides: Send Webhook signs with the SYNCHUB credential (Credential Type
	// "vendor") that the trigger verifies with.
	const credentials = { synchubWebhookApi: { secret: SECRET, previousSecret: '' } };
	const hmac = { signing: 'hmac', signingCredential: 'vendor' };
	const run = { event: 'sync.run.completed', id: 'run_881', endpoint: 'customers', status: 'failed', error: 'timeout', rows: 1204, note: 'ünïcødé ✓' };
	const node = new SynchubTrigger();

	it('default scheme: HMAC-SHA256 hex of the exact raw body in x-synchub-signature, accepted by the default trigger', async () => {
		const captured = await sendAndCapture(hmac, credentials, [run]);
		// The bytes on the wire are the item serialised once, and the signature covers exactly them.
		expect(captured.body.equals(Buffer.from(JSON.stringify(run)))).toBe(true);
		expect(captured.headers['x-synchub-signature']).toBe(createHmac('sha256', SECRET).update(captured.body).digest('hex'));
		expect(captured.headers['x-synchub-timestamp']).toBeUndefined();

		const [item, ...rest] = accepted(await runTriggerWorkflow({ node, parameters: {}, credentials, request: replay(captured) }));
		expect(rest).toEqual([]);
		expect(withoutMeta(item)).toEqual(run);
		expect(item.meta).toMatchObject({
			vendor: 'synchub',
			kind: 'syncRunCompleted',
			outcome: 'failure',
			verified: true,
			verification: { method: 'hmac', header: 'x-synchub-signature', algorithm: 'sha256', encoding: 'hex', secretIndex: 0 },
		});
	});

	it('timestamp.body + x-synchub-timestamp + "sha256=" prefix + base64, accepted by a trigger configured the same way', async () => {
		const scheme = { signedContent: 'timestamp.body', timestampHeader: 'x-synchub-timestamp', signaturePrefix: 'sha256=', encoding: 'base64' };
		const before = nowSec();
		const captured = await sendAndCapture({ ...hmac, ...scheme }, credentials, [run]);
		const timestamp = captured.headers['x-synchub-timestamp'] as string;
		expect(timestamp).toMatch(/^\d+$/);
		expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
		expect(Number(timestamp)).toBeLessThanOrEqual(nowSec());
		const expected = createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${timestamp}.`), captured.body])).digest('base64');
		expect(captured.headers['x-synchub-signature']).toBe(`sha256=${expected}`);

		const trigger = await runTriggerWorkflow({ node, parameters: { ...scheme, toleranceSeconds: 300 }, credentials, request: replay(captured) });
		const [item] = accepted(trigger);
		expect(withoutMeta(item)).toEqual(run);
		expect(item.meta).toMatchObject({
			verified: true,
			verification: { method: 'hmac', algorithm: 'sha256', encoding: 'base64', prefix: 'sha256=', signedContent: 'timestamp.body' },
		});

		// The same trigger with the default (raw-body, hex) scheme must refuse it: the match above is not luck.
		const mismatch = await runTriggerWorkflow({ node, parameters: {}, credentials, request: replay(captured) });
		expect(mismatch.status).toBe(401);
		expect(mismatch.executed).toBe(false);
	});

	it.each([
		['the default scheme', hmac, { header: 'x-synchub-signature', algorithm: 'sha256', encoding: 'hex' }],
		['sha512 base64 in x-signature with a prefix', { ...hmac, signatureHeader: 'x-signature', algorithm: 'sha512', encoding: 'base64', signaturePrefix: 'sha512=' }, { header: 'x-signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=' }],
	])('auto-detect mode finds %s and still requires the secret', async (_name, parameters, detected) => {
		const captured = await sendAndCapture(parameters, credentials, [run]);
		const [item] = accepted(await runTriggerWorkflow({ node, parameters: { verification: 'auto' }, credentials, request: replay(captured) }));
		expect(withoutMeta(item)).toEqual(run);
		expect(item.meta).toMatchObject({ verified: true, verification: { method: 'hmac', detected: true, ...detected } });

		const otherSecret = await runTriggerWorkflow({
			node,
			parameters: { verification: 'auto' },
			credentials: { synchubWebhookApi: { secret: 'not-the-secret', previousSecret: '' } },
			request: replay(captured),
		});
		expect(otherSecret.status).toBe(401);
		expect(otherSecret.executed).toBe(false);
	});
});

describe('standardWebhooks → SYNCHUB Trigger (verification: standardWebhooks)', () => {
	const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
	const insight = { event: 'insight.population.completed', id: 'ins_12', insight: 'Revenue', success: true };

	it('sends webhook-id/-timestamp/-signature over id.timestamp.body that the trigger verifies', async () => {
		const before = nowSec();
		const captured = await sendAndCapture({ signing: 'standardWebhooks' }, { standardWebhooksApi: { secret: SECRET } }, [insight]);
		const id = captured.headers['webhook-id'] as string;
		const timestamp = captured.headers['webhook-timestamp'] as string;
		expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
		expect(Number(timestamp)).toBeLessThanOrEqual(nowSec());
		// Recomputed independently: key = base64 after whsec_, content = id.timestamp.rawBody.
		const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
		const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(captured.body).digest('base64');
		expect(captured.headers['webhook-signature']).toBe(`v1,${expected}`);
		expect(captured.body.equals(Buffer.from(JSON.stringify(insight)))).toBe(true);
		// And the shared verifier agrees on the captured bytes.
		expect(verifyStandardWebhook({ headers: normalizeHeaders(captured.headers), body: captured.body, secrets: [SECRET], toleranceSec: 300, clock: Date.now })).toMatchObject({ id, secretIndex: 0 });

		const node = new SynchubTrigger();
		const credentials = { synchubWebhookApi: { secret: SECRET, previousSecret: '' } };
		const [item] = accepted(await runTriggerWorkflow({ node, parameters: { verification: 'standardWebhooks' }, credentials, request: replay(captured) }));
		expect(withoutMeta(item)).toEqual(insight);
		expect(item.meta).toMatchObject({ kind: 'insightPopulationCompleted', verified: true, verification: { method: 'standardWebhooks' } });

		const tampered = replay(captured);
		tampered.body = Buffer.from(JSON.stringify({ ...insight, success: false }));
		const rejected = await runTriggerWorkflow({ node, parameters: { verification: 'standardWebhooks' }, credentials, request: tampered });
		expect(rejected.status).toBe(401);
		expect(rejected.executed).toBe(false);
	});
});

describe('roomleToken → Roomle Trigger', () => {
	const SECRET = 'a-Secr3t_Str1ng!'; // 16 bytes: AES-128
	const API_KEY = 'aValidApiKey';
	const credentials = { roomleWebhookApi: { apiKey: API_KEY, secret: SECRET } };
	const share = {
		event: 'email.shareConfiguration',
		data: { success: true, email: 'buyer@example.com', configurationId: 'usm:frame:ABC123', configuratorId: 'demoConfigurator', url: 'https://roomle.example/c/ABC123' },
	};

	it.each([
		['02', null, { algorithm: '02' }],
		['01', Buffer.alloc(16), { algorithm: '01', iv: 'zero' }],
	] as const)('a %s token in the token header is accepted', async (algorithm, iv, verification) => {
		const before = Date.now();
		const captured = await sendAndCapture({ signing: 'roomleToken', roomleAlgorithm: algorithm }, credentials, [share]);
		const token = captured.headers.token as string;
		expect(token.startsWith(`${algorithm}-`)).toBe(true);
		// Decrypted here with node:crypto: the documented plaintext shape with our api key and a fresh time.
		const decipher = createDecipheriv(algorithm === '02' ? 'aes-128-ecb' : 'aes-128-cbc', Buffer.from(SECRET), iv);
		const plaintext = Buffer.concat([decipher.update(Buffer.from(token.slice(3), 'base64')), decipher.final()]).toString('utf8');
		const [issued, session, apiKey] = plaintext.split(';');
		expect([session, apiKey]).toEqual(['anonymous', API_KEY]);
		expect(Date.parse(issued)).toBeGreaterThanOrEqual(before - 1);
		expect(Date.parse(issued)).toBeLessThanOrEqual(Date.now());

		const result = await runTriggerWorkflow({ node: new RoomleTrigger(), parameters: {}, credentials, request: replay(captured) });
		const [item] = accepted(result);
		expect(withoutMeta(item)).toEqual(share);
		expect(item.meta).toMatchObject({ vendor: 'roomle', eventType: 'email.shareConfiguration', verified: true, verification: { method: 'roomleToken', ...verification } });
		expect(JSON.stringify(item)).not.toContain(SECRET);
	});

	it('a token for another api key is refused by the trigger (the round trip is not vacuous)', async () => {
		const captured = await sendAndCapture({ signing: 'roomleToken' }, { roomleWebhookApi: { apiKey: 'someoneElse', secret: SECRET } }, [share]);
		const result = await runTriggerWorkflow({ node: new RoomleTrigger(), parameters: {}, credentials, request: replay(captured) });
		expect(result.status).toBe(401);
		expect(result.executed).toBe(false);
	});
});

describe('apiKey + eventWebhook envelope → Event Webhook Trigger', () => {
	const KEY = 'evt-key-0123456789abcdef';
	const credentials = { eventWebhookApi: { apiKey: KEY } };
	const payload = { id: 42, total: 99.5, lines: [{ sku: 'A-1', qty: 2 }] };

	it.each([
		['header', { apiKeyPlacement: 'header' }, (captured: RecordedRequest) => {
			expect(captured.headers['x-api-key']).toBe(KEY);
			expect(captured.headers.authorization).toBeUndefined();
		}, 'header'],
		['bearer', { apiKeyPlacement: 'bearer' }, (captured: RecordedRequest) => {
			expect(captured.headers.authorization).toBe(`Bearer ${KEY}`);
			expect(captured.headers['x-api-key']).toBeUndefined();
		}, 'bearer'],
	] as const)('the key as %s, the generic envelope with event_type, ISO event_time and data', async (_name, placement, checkHeaders, source) => {
		const before = Date.now();
		const captured = await sendAndCapture(
			{ signing: 'apiKey', ...placement, envelope: 'eventWebhook', eventType: 'order.created', currentContext: '{"tenant":"t1"}' },
			credentials,
			[payload],
		);
		checkHeaders(captured);
		const sent = JSON.parse(captured.body.toString('utf8'));
		expect(Object.keys(sent)).toEqual(['event_time', 'event_type', 'current_context', 'data']);
		expect(sent).toMatchObject({ event_type: 'order.created', current_context: { tenant: 't1' }, data: payload });
		expect(sent.event_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		expect(Date.parse(sent.event_time)).toBeGreaterThanOrEqual(before);
		expect(Date.parse(sent.event_time)).toBeLessThanOrEqual(Date.now());

		const result = await runTriggerWorkflow({ node: new EventWebhookTrigger(), parameters: {}, credentials, request: replay(captured) });
		const [item] = accepted(result);
		expect(withoutMeta(item)).toEqual(sent);
		expect(item.event_type).toBe('order.created');
		expect(item.event_time).toBe(sent.event_time);
		expect(item.data).toEqual(payload);
		expect(item.meta).toMatchObject({ vendor: 'event-webhook', eventType: 'order.created', verified: true, verification: { source } });
	});
});

describe('customHeader → ApiRTC Trigger and SynthesisVR Trigger', () => {
	it('sends the credential header with an ApiRTC-shaped body; the ApiRTC Trigger accepts it', async () => {
		const credentials = { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'apirtc-shared-secret-42' } };
		const ticket = { event: 'update', time: 1575976413, object: 'ticket', objectId: 100, props: { state: 'invited', geoloc: { lat: 47.866675, lng: -3.865805 } } };
		const captured = await sendAndCapture({ signing: 'customHeader', signingCredential: 'vendor' }, credentials, [ticket]);
		expect(captured.headers['x-webhook-secret']).toBe('apirtc-shared-secret-42');
		expect(captured.body.equals(Buffer.from(JSON.stringify(ticket)))).toBe(true);

		const [item] = accepted(await runTriggerWorkflow({ node: new ApiRtcTrigger(), parameters: {}, credentials, request: replay(captured) }));
		expect(item).toMatchObject(ticket);
		expect(item.timeIso).toBe(new Date(ticket.time * 1000).toISOString());
		expect(item.meta).toMatchObject({ vendor: 'apirtc', eventType: 'ticket.update', verified: true });
	});

	it('batch mode: 3 items → one JSON array with x-webhook-token → 3 SynthesisVR Trigger items', async () => {
		const TOKEN = 'svr-0123456789abcdef-token';
		const events = [
			{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 },
			{ uuid: 'b2', action: 'delete', location: 'Kamen Test', stations: 2, customerid: 7685 },
			{ uuid: 'c3', action: 'create', location: 'Other', stations: 3, customerid: 1 },
		];
		const captured = await sendAndCapture(
			{ signing: 'customHeader', mode: 'batch' },
			// Not an ApiRTC delivery: the generic header secret credential.
			{ webhookHeaderSecretApi: { headerName: 'x-webhook-token', secret: TOKEN } },
			events,
		);
		expect(captured.headers['x-webhook-token']).toBe(TOKEN);
		expect(captured.body.equals(Buffer.from(JSON.stringify(events)))).toBe(true);

		const result = await runTriggerWorkflow({
			node: new SynthesisVrTrigger(),
			parameters: { authentication: 'token' },
			credentials: { synthesisVrWebhookApi: { token: TOKEN } },
			request: replay(captured),
		});
		const items = accepted(result);
		expect(items.map(withoutMeta)).toEqual(events);
		expect(items.map((item) => item.meta.dedupKey)).toEqual(events.map((e) => `${e.uuid}:${e.action}`));
		expect(items.every((item) => item.meta.verified === true && item.meta.verification.source === 'header')).toBe(true);
		expect(result.responseBody).toEqual({ received: true, accepted: 3, ignored: 0 });
	});
});

describe('every signature preset: Send Webhook 1.3 → Signed Webhook Trigger', () => {
	const SECRET = 'shared-hmac-secret-for-round-trips';
	const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
	const hmacCredential = (secret: string) => ({ webhookHmacSecretApi: { secret, previousSecret: '' } });
	const node = new SignedWebhookTrigger();
	// Each preset with the body its vendor would send (the event type is read where the vendor puts it).
	const cases = [
		{ preset: 'github', signing: { signing: 'github' }, body: { action: 'opened', issue: { number: 1 } }, headers: { 'x-github-event': 'issues' }, eventType: 'issues' },
		{ preset: 'stripe', signing: { signing: 'stripe' }, body: { id: 'evt_1', type: 'invoice.paid' }, headers: {}, eventType: 'invoice.paid' },
		{ preset: 'shopify', signing: { signing: 'shopify' }, body: { id: 820982911946154500 }, headers: { 'x-shopify-topic': 'orders/create' }, eventType: 'orders/create' },
		{ preset: 'slack', signing: { signing: 'slack' }, body: { type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention' } }, headers: {}, eventType: 'app_mention' },
		{ preset: 'custom', signing: { signing: 'hmac' }, body: { kind: 'custom' }, headers: {}, eventType: 'unknown' },
	] as const;

	it.each(cases)('$preset: the request Send Webhook signs is verified by the trigger with the same secret, and refused with another', async (c) => {
		const captured = await sendAndCapture({ ...c.signing }, hmacCredential(SECRET), [c.body]);
		// Headers the vendor adds that are not part of the signature (event type) are added on the way, as the vendor would.
		const request = replay(captured);
		request.headers = { ...request.headers, ...c.headers };
		const parameters = { preset: c.preset, ...(c.preset === 'custom' ? { signatureHeader: 'x-synchub-signature' } : {}) };

		const [item] = accepted(await runTriggerWorkflow({ node, parameters, credentials: hmacCredential(SECRET), request }));
		expect(withoutMeta(item)).toEqual(c.body);
		expect(item.meta).toMatchObject({ verified: true, eventType: c.eventType, verification: { preset: c.preset, secretIndex: 0 } });

		const refused = await runTriggerWorkflow({ node, parameters, credentials: hmacCredential('another-secret'), request });
		expect(refused.status).toBe(401);
		expect(refused.executed).toBe(false);
	});

	it('standardWebhooks: Standard Webhooks signing (its own credential) is verified by the preset with the same whsec_ secret', async () => {
		const body = { type: 'user.created', data: { id: 'u1' } };
		const captured = await sendAndCapture({ signing: 'standardWebhooks' }, { standardWebhooksApi: { secret: WHSEC } }, [body]);
		const [item] = accepted(
			await runTriggerWorkflow({ node, parameters: { preset: 'standardWebhooks' }, credentials: hmacCredential(WHSEC), request: replay(captured) }),
		);
		expect(withoutMeta(item)).toEqual(body);
		expect(item.meta).toMatchObject({ verified: true, eventType: 'user.created', dedupKey: captured.headers['webhook-id'], verification: { preset: 'standardWebhooks' } });
	});
});
