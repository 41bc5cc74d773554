import { createHmac, randomUUID } from 'node:crypto';

import { resolveWebhookDescriptionField, webhookDescriptionIsNativelyResolvable, Workflow, type INodeParameters, type INodeType } from 'n8n-workflow';

import { ApiRtcTrigger } from '../../nodes/ApiRtcTrigger/ApiRtcTrigger.node';
import { EventWebhookTrigger } from '../../nodes/EventWebhookTrigger/EventWebhookTrigger.node';
import { RoomleTrigger } from '../../nodes/RoomleTrigger/RoomleTrigger.node';
import { createRoomleToken } from '../../nodes/shared/roomleToken';
import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { SynthesisVrTrigger } from '../../nodes/SynthesisVrTrigger/SynthesisVrTrigger.node';
import { runTriggerWorkflow, type TriggerRunResult } from '../helpers/n8n';
import { MapNodeTypes } from '../helpers/n8n/environment';
import { expectRejected, received } from './helpers';

/** One valid delivery per trigger; `auth(body)` gives the headers/query that authenticate it. */
interface Case {
	name: string;
	node: INodeType;
	parameters: INodeParameters;
	credentials: Record<string, Record<string, string>>;
	// Pretty-printed on purpose: re-serialised JSON would not match a signature over these bytes.
	body: string;
	auth: (body: string) => { headers?: Record<string, string>; query?: Record<string, string> };
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const SYNCHUB_SECRET = 'synchub-destination-secret-1';
const ROOMLE = { apiKey: 'aValidApiKey', secret: 'a-Secr3t_Str1ng!' };

const cases: Case[] = [
	{
		name: 'SynthesisVR',
		node: new SynthesisVrTrigger(),
		parameters: { authentication: 'token' },
		credentials: { synthesisVrWebhookApi: { token: 'svr-0123456789abcdef-token' } },
		body: pretty([{ uuid: 'u1', action: 'create', location: 'Kamen Test' }]),
		auth: () => ({ query: { token: 'svr-0123456789abcdef-token' } }),
	},
	{
		name: 'SYNCHUB',
		node: new SynchubTrigger(),
		parameters: {},
		credentials: { synchubWebhookApi: { secret: SYNCHUB_SECRET } },
		body: pretty({ event: 'sync.run.completed', id: 'run_1', status: 'failed' }),
		auth: (body) => ({ headers: { 'x-synchub-signature': createHmac('sha256', SYNCHUB_SECRET).update(body).digest('hex') } }),
	},
	{
		name: 'ApiRTC',
		node: new ApiRtcTrigger(),
		parameters: {},
		credentials: { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'apirtc-shared-secret-42' } },
		body: pretty({ event: 'update', time: 1575976413, object: 'ticket', objectId: 100, props: { state: 'invited' } }),
		auth: () => ({ headers: { 'x-webhook-secret': 'apirtc-shared-secret-42' } }),
	},
	{
		name: 'Roomle',
		node: new RoomleTrigger(),
		parameters: {},
		credentials: { roomleWebhookApi: ROOMLE },
		body: pretty({ event: 'email.shareConfiguration', data: { success: true, email: 'buyer@example.com' } }),
		auth: () => ({ headers: { token: createRoomleToken(ROOMLE) } }),
	},
	{
		name: 'Event Webhook',
		node: new EventWebhookTrigger(),
		parameters: {},
		credentials: { eventWebhookApi: { apiKey: 'evt-key-0123456789abcdef' } },
		body: pretty({ event_time: 1764000000, event_type: 'user.created', current_context: {}, data: { id: 42 } }),
		auth: () => ({ headers: { 'x-api-key': 'evt-key-0123456789abcdef' } }),
	},
];

// Version 2 makes n8n read only the bodies it can parse: the node must read the rest itself.
const CONTENT_TYPES = [undefined, 'application/json', 'application/JSON', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'application/x-custom'];

async function send(c: Case, typeVersion: number, body: string, contentType: string | undefined, nodeId?: string): Promise<TriggerRunResult> {
	const { headers = {}, query } = c.auth(body);
	return await runTriggerWorkflow({
		node: c.node,
		parameters: c.parameters,
		credentials: c.credentials,
		typeVersion,
		nodeId,
		request: { method: 'POST', body, query, headers: contentType === undefined ? headers : { ...headers, 'content-type': contentType } },
	});
}

describe.each(cases)('$name Trigger versions', (c) => {
	it('declares versions 1 and 2, 2 for new nodes', () => {
		expect(c.node.description.version).toEqual([1, 2]);
		expect(c.node.description.defaultVersion).toBe(2);
	});

	it.each([1, 2])('v%i verifies and parses the exact bytes whatever the Content-Type says', async (typeVersion) => {
		for (const contentType of CONTENT_TYPES) {
			const items = received(await send(c, typeVersion, c.body, contentType));
			expect(items).toHaveLength(1);
			expect(items[0].meta.verified).toBe(true);
		}
	});

	it.each([1, 2])('v%i still rejects a body that is not JSON, for every Content-Type n8n does not parse', async (typeVersion) => {
		for (const contentType of [undefined, 'text/plain', 'application/octet-stream']) {
			const result = await send(c, typeVersion, '{"not json', contentType);
			expect(result.executed).toBe(false);
			expect(result.status).toBeGreaterThanOrEqual(400);
			expect(result.status).toBeLessThan(500);
		}
	});
});

describe('Signed bytes on version 2', () => {
	const synchub = cases[1];

	it('refuses a tampered body under a Content-Type n8n does not read (the node read the bytes, not nothing)', async () => {
		const signed = synchub.auth(synchub.body).headers!;
		const tampered = synchub.body.replace('failed', 'passed');
		for (const contentType of [undefined, 'application/octet-stream', 'text/plain']) {
			const result = await runTriggerWorkflow({
				node: synchub.node,
				parameters: {},
				credentials: synchub.credentials,
				typeVersion: 2,
				request: { method: 'POST', body: tampered, headers: contentType ? { ...signed, 'content-type': contentType } : signed },
			});
			expectRejected(result, 401, 'bad_signature');
		}
	});
});

describe('Credential reuse between requests', () => {
	it.each(cases.map((c) => [c.name, c] as const))('%s: one credential lookup serves the next requests of the same node', async (_name, c) => {
		const nodeId = randomUUID();
		const first = await send(c, 2, c.body, 'application/json', nodeId);
		expect(received(first)).toHaveLength(1);
		expect(first.credentialLookups).toBe(1);
		const second = await send(c, 2, c.body, 'application/json', nodeId);
		expect(received(second)).toHaveLength(1);
		expect(second.credentialLookups).toBe(0);
		// Another node (here: another id) never shares the entry.
		const other = await send(c, 2, c.body, 'application/json', randomUUID());
		expect(other.credentialLookups).toBe(1);
	});
});

describe('Roomle answer mode without an expression isolate', () => {
	const description = new RoomleTrigger().description.webhooks![0];

	it.each(['onReceived', 'lastNode'])('respond=%s: n8n resolves the answer fields natively, to what the templates evaluate to', (respond) => {
		const nodeTypes = new MapNodeTypes();
		const type = nodeTypes.register(new RoomleTrigger());
		const workflow = new Workflow({
			nodes: [{ id: 'r', name: 'Roomle Trigger', type, typeVersion: 2, position: [0, 0], parameters: { respond } }],
			connections: {},
			active: true,
			nodeTypes,
		});
		const node = workflow.nodes['Roomle Trigger'];
		for (const field of ['responseMode', 'responseData'] as const) {
			const native = resolveWebhookDescriptionField(node, description, field);
			const engine = workflow.expression.getSimpleParameterValue(node, description[field] as string, 'webhook', {});
			expect(native).toEqual({ resolved: true, value: engine });
		}
		expect(webhookDescriptionIsNativelyResolvable(description)).toBe(true);
	});
});
