import { randomUUID } from 'node:crypto';

import { resolveWebhookDescriptionField, webhookDescriptionIsNativelyResolvable, Workflow } from 'n8n-workflow';

import { runTriggerWorkflow, type TriggerRunResult } from '../helpers/n8n';
import { MapNodeTypes } from '../helpers/n8n/environment';
import { sendCase, TRIGGER_CASES, triggerCase, type TriggerCase } from './cases';
import { expectRejected, received } from './helpers';

const cases = TRIGGER_CASES;

// Version 2 makes n8n read only the bodies it can parse: the node must read the rest itself.
const CONTENT_TYPES = [undefined, 'application/json', 'application/JSON', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'application/x-custom'];

async function send(c: TriggerCase, typeVersion: number, body: string, contentType: string | undefined, nodeId?: string): Promise<TriggerRunResult> {
	return await sendCase(c, { typeVersion, body, contentType, nodeId });
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
	const synchub = triggerCase('SYNCHUB');

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
		// Another delivery, not a copy of the first (a Roomle token issued in the same millisecond
		// with the same body would be answered as a duplicate).
		const second = await send(c, 2, `${c.body}\n`, 'application/json', nodeId);
		expect(received(second)).toHaveLength(1);
		expect(second.credentialLookups).toBe(0);
		// Another node (here: another id) never shares the entry.
		const other = await send(c, 2, c.body, 'application/json', randomUUID());
		expect(other.credentialLookups).toBe(1);
	});
});

describe('Answer mode without an expression isolate', () => {
	const respondField = (c: TriggerCase) => c.node.description.properties.find((property) => property.name === 'respond');
	const withRespond = cases.filter((c) => respondField(c) !== undefined);

	it('every trigger but SynthesisVR (never retries, 2 s budget) offers the Respond choice', () => {
		expect(withRespond.map((c) => c.name).sort()).toEqual(['ApiRTC', 'Event Webhook', 'Roomle', 'SYNCHUB', 'Signed Webhook (GitHub)']);
	});

	it.each(cases.map((c) => [c.name, c] as const))('%s: n8n can resolve every description field natively', (_name, c) => {
		for (const description of c.node.description.webhooks!) expect(webhookDescriptionIsNativelyResolvable(description)).toBe(true);
	});

	describe.each(withRespond)('$name Trigger', (c) => {
		const description = c.node.description.webhooks![0];

		it.each([undefined, 'onReceived', 'lastNode'])('respond=%s: n8n resolves the answer fields natively, to what the templates evaluate to', (respond) => {
			const nodeTypes = new MapNodeTypes();
			const type = nodeTypes.register(c.node);
			const name = c.node.description.defaults.name!;
			const workflow = new Workflow({
				nodes: [{ id: 'r', name, type, typeVersion: 2, position: [0, 0], parameters: respond === undefined ? {} : { respond } }],
				connections: {},
				active: true,
				nodeTypes,
			});
			const node = workflow.nodes[name];
			for (const field of ['responseMode', 'responseData'] as const) {
				const native = resolveWebhookDescriptionField(node, description, field);
				const engine = workflow.expression.getSimpleParameterValue(node, description[field] as string, 'webhook', {});
				expect(native).toEqual({ resolved: true, value: engine });
			}
			// A workflow saved without the field answers in the field's default mode.
			expect(resolveWebhookDescriptionField(node, description, 'responseMode')).toEqual({ resolved: true, value: respond ?? respondField(c)!.default });
		});
	});
});
