/**
 * Proves the in-process n8n harness (test/helpers/n8n) against tiny node types defined here.
 * Every expectation is what n8n 2.41 does for the same workflow; the source of each n8n
 * behaviour is named in test/helpers/n8n/trigger.ts.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { runActionNode, runTriggerWorkflow } from './helpers/n8n';
import { plainNodeDescription } from './helpers/n8n/environment';

const webhookMethods = {
	default: {
		checkExists: async () => true,
		create: async () => true,
		delete: async () => true,
	},
};

function triggerDescription(name: string, extra: Partial<INodeTypeDescription> = {}): INodeTypeDescription {
	return {
		displayName: `${name} Trigger`,
		name: `${name.toLowerCase()}Trigger`,
		group: ['trigger'],
		version: 1,
		description: 'Test trigger',
		defaults: { name: `${name} Trigger` },
		inputs: [],
		outputs: ['main'],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				path: 'test',
				responseMode: '={{$parameter["respond"]}}',
				responseCode: '={{$parameter["responseCode"]}}',
				responseData: '={{$parameter["responseData"]}}',
			},
		],
		properties: [
			{
				displayName: 'Respond',
				name: 'respond',
				type: 'options',
				options: [
					{ name: 'Immediately', value: 'onReceived' },
					{ name: 'When Last Node Finishes', value: 'lastNode' },
				],
				default: 'onReceived',
			},
			{ displayName: 'Response Code', name: 'responseCode', type: 'number', default: 200 },
			{ displayName: 'Response Data', name: 'responseData', type: 'string', default: 'firstEntryJson' },
		],
		...extra,
	};
}

/** Emits one item per element of a JSON array body. */
class EchoTrigger implements INodeType {
	description = triggerDescription('Echo');
	webhookMethods = webhookMethods;
	calls = 0;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return { workflowData: [this.helpers.returnJsonArray(this.getBodyData() as unknown as IDataObject[])] };
	}
}

/** Reports what n8n put on the request: raw bytes, parsed body, client address. */
class RequestProbeTrigger implements INodeType {
	description: INodeTypeDescription;
	webhookMethods = webhookMethods;
	static calls = 0;

	constructor(version = 1) {
		this.description = triggerDescription('Probe', { version });
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		RequestProbeTrigger.calls++;
		const req = this.getRequestObject() as unknown as { rawBody?: Buffer; ip: string };
		return {
			workflowData: [
				[
					{
						json: {
							rawBodyHex: req.rawBody === undefined ? null : req.rawBody.toString('hex'),
							body: this.getBodyData(),
							ip: req.ip,
							signature: this.getHeaderData()['x-signature'] ?? null,
							query: this.getQueryData() as IDataObject,
						},
					},
				],
			],
		};
	}
}

/** Rejects like n8n's own triggers: writes 401 itself. */
class RejectingTrigger implements INodeType {
	description = triggerDescription('Rejecting');
	webhookMethods = webhookMethods;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		this.getResponseObject().status(401).json({ error: 'unauthorized' });
		return { noWebhookResponse: true };
	}
}

/** Answers without starting a workflow. */
class PingTrigger implements INodeType {
	description = triggerDescription('Ping');
	webhookMethods = webhookMethods;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const body = this.getBodyData();
		return body.ping === true ? { webhookResponse: 'pong' } : {};
	}
}

class ThrowingTrigger implements INodeType {
	description = triggerDescription('Throwing');
	webhookMethods = webhookMethods;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		throw new NodeOperationError(this.getNode(), 'secret detail that must not reach the caller');
	}
}

/** Uses a credential of type `x`, like our vendor triggers use their signing secrets. */
class CredentialTrigger implements INodeType {
	description = triggerDescription('Credential', { credentials: [{ name: 'x', required: true }] });
	webhookMethods = webhookMethods;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const { secret } = await this.getCredentials<{ secret: string }>('x');
		if (this.getHeaderData()['x-token'] !== secret) {
			this.getResponseObject().status(403).json({ error: 'bad token' });
			return { noWebhookResponse: true };
		}
		return { workflowData: [[{ json: { accepted: true, secretLength: secret.length } }]] };
	}
}

/** A downstream node whose output differs from its input. */
class DoubleNode implements INodeType {
	description = plainNodeDescription({
		displayName: 'Double',
		name: 'double',
		group: ['transform'],
		description: 'Doubles a',
		defaultName: 'Double',
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData().map((item) => ({ json: { a: (item.json.a as number) * 2 } }))];
	}
}

/** A trivial action node: greets each item, can be told to fail, uses credential `x` if set. */
class GreetNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Greet',
		name: 'greet',
		group: ['transform'],
		version: 1,
		description: 'Greets',
		defaults: { name: 'Greet' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'x', required: false }],
		properties: [
			{ displayName: 'Greeting', name: 'greeting', type: 'string', default: 'Hello' },
			{ displayName: 'Fail On', name: 'failOn', type: 'string', default: '' },
			{ displayName: 'Use Credential', name: 'useCredential', type: 'boolean', default: false },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			try {
				const name = items[i].json.name as string;
				if (name === this.getNodeParameter('failOn', i)) {
					throw new NodeOperationError(this.getNode(), `cannot greet ${name}`, { itemIndex: i });
				}
				const suffix = this.getNodeParameter('useCredential', i)
					? ` (${(await this.getCredentials<{ secret: string }>('x')).secret})`
					: '';
				out.push({ json: { text: `${this.getNodeParameter('greeting', i) as string}, ${name}${suffix}` }, pairedItem: i });
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: i });
					continue;
				}
				throw error;
			}
		}
		return [out];
	}
}

/** Waits until n8n cancels the execution. */
class WaitForCancelNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Wait For Cancel',
		name: 'waitForCancel',
		group: ['transform'],
		version: 1,
		description: 'Waits',
		defaults: { name: 'Wait For Cancel' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	};

	static sawAbort = false;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const signal = this.getExecutionCancelSignal();
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('not cancelled within 5 s')), 5000);
			signal?.addEventListener('abort', () => {
				clearTimeout(timer);
				WaitForCancelNode.sawAbort = true;
				resolve();
			});
		});
		return [this.getInputData()];
	}
}

const jsonPost = (body: unknown, headers: Record<string, string> = {}) => ({
	method: 'POST',
	headers: { 'Content-Type': 'application/json', ...headers },
	body: JSON.stringify(body),
});

describe('runTriggerWorkflow: workflowData', () => {
	const twoItems = jsonPost([{ a: 1 }, { a: 2 }]);

	it('runs the workflow and hands every item to the downstream node', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'onReceived', responseData: 'noData' },
			request: twoItems,
		});
		expect(result.executed).toBe(true);
		expect(result.executionError).toBeUndefined();
		expect(result.downstreamItems.map((item) => item.json)).toEqual([{ a: 1 }, { a: 2 }]);
		expect(result.runData?.Downstream?.[0]?.data?.main?.[0]).toHaveLength(2);
		expect(result.status).toBe(200);
		expect(result.responseBody).toBeUndefined();
		expect(result.noWebhookResponse).toBe(false);
		// webhook-request-handler sets n8n's sandbox CSP on static responses
		expect(result.responseHeaders['content-security-policy']).toContain('sandbox');
	});

	it('onReceived answers with the configured code, and with the literal responseData string as n8n does', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'onReceived', responseCode: 202 },
			request: twoItems,
		});
		expect(result.status).toBe(202);
		// extractWebhookOnReceivedResponse returns a truthy responseData as the body
		expect(result.responseBody).toBe('firstEntryJson');
		expect(result.downstreamItems).toHaveLength(2);
	});

	it('onReceived answers 200 even when the workflow then fails', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'onReceived', responseData: 'noData' },
			request: twoItems,
			downstream: 'fail',
		});
		expect(result.status).toBe(200);
		expect(result.executed).toBe(true);
		expect((result.executionError as Error).message).toContain('failed on purpose');
	});

	it('lastNode answers with the last node output (all entries)', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'lastNode', responseData: 'allEntries' },
			request: twoItems,
		});
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual([{ a: 1 }, { a: 2 }]);
		expect(result.responseHeaders['content-type']).toMatch(/^application\/json/);
	});

	it('lastNode answers with the first entry of the LAST node, and records what the downstream node received', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'lastNode', responseData: 'firstEntryJson' },
			request: twoItems,
			downstream: new DoubleNode(),
		});
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual({ a: 2 });
		expect(result.downstreamItems.map((item) => item.json)).toEqual([{ a: 1 }, { a: 2 }]);
	});

	it('lastNode answers 500 when the workflow fails', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'lastNode' },
			request: twoItems,
			downstream: 'fail',
		});
		expect(result.status).toBe(500);
		expect(result.responseBody).toEqual({ message: 'Error in workflow' });
		expect(result.executed).toBe(true);
		expect(result.executionError).toBeDefined();
		expect(result.downstreamItems).toHaveLength(2);
		expect(result.runData?.Downstream?.[0]?.error?.message).toContain('failed on purpose');
	});

	it('lastNode with no items answers 500 "No item to return was found"', async () => {
		const result = await runTriggerWorkflow({
			node: new EchoTrigger(),
			parameters: { respond: 'lastNode' },
			request: jsonPost([]),
		});
		// no item reaches the downstream node, so it does not run
		expect(result.downstreamItems).toEqual([]);
		expect(result.runData?.Downstream).toBeUndefined();
		expect(result.status).toBe(500);
		expect(result.responseBody).toEqual({ code: 0, message: 'No item to return was found' });
	});
});

describe('runTriggerWorkflow: the node answers or declines', () => {
	it('a node that writes 401 itself: no execution, n8n adds nothing', async () => {
		const result = await runTriggerWorkflow({
			node: new RejectingTrigger(),
			parameters: { respond: 'lastNode' },
			request: jsonPost({ a: 1 }),
		});
		expect(result.status).toBe(401);
		expect(result.responseBody).toEqual({ error: 'unauthorized' });
		expect(result.noWebhookResponse).toBe(true);
		expect(result.executed).toBe(false);
		expect(result.downstreamItems).toEqual([]);
	});

	it('no workflowData: 200 with the webhookResponse, or n8n\'s default message', async () => {
		const pong = await runTriggerWorkflow({
			node: new PingTrigger(),
			parameters: {},
			request: jsonPost({ ping: true }),
		});
		expect(pong).toMatchObject({ status: 200, responseBody: 'pong', webhookResponse: 'pong', executed: false });

		const silent = await runTriggerWorkflow({ node: new PingTrigger(), parameters: {}, request: jsonPost({}) });
		expect(silent).toMatchObject({ status: 200, responseBody: { message: 'Webhook call received' }, executed: false });
	});

	it('a node that throws: 500 without the detail, and a failed execution', async () => {
		const result = await runTriggerWorkflow({
			node: new ThrowingTrigger(),
			parameters: {},
			request: jsonPost({ a: 1 }),
		});
		expect(result.status).toBe(500);
		expect(result.responseBody).toEqual({
			code: 0,
			message: 'Workflow Webhook Error: Workflow could not be started!',
		});
		expect(result.executed).toBe(true);
		expect((result.executionError as Error).message).toContain('secret detail');
		expect(result.downstreamItems).toEqual([]);
	});

	it('a method the node does not register: 404, node not called', async () => {
		const before = RequestProbeTrigger.calls;
		const result = await runTriggerWorkflow({
			node: new RequestProbeTrigger(),
			parameters: {},
			request: { method: 'GET' },
		});
		expect(result.status).toBe(404);
		expect(RequestProbeTrigger.calls).toBe(before);
		expect(result.executed).toBe(false);
	});
});

describe('runTriggerWorkflow: credentials', () => {
	it('serves the given credential to getCredentials()', async () => {
		const result = await runTriggerWorkflow({
			node: new CredentialTrigger(),
			parameters: {},
			credentials: { x: { secret: 's3cret' } },
			request: jsonPost({}, { 'X-Token': 's3cret' }),
		});
		expect(result.executed).toBe(true);
		expect(result.downstreamItems.map((item) => item.json)).toEqual([{ accepted: true, secretLength: 6 }]);

		const rejected = await runTriggerWorkflow({
			node: new CredentialTrigger(),
			parameters: {},
			credentials: { x: { secret: 's3cret' } },
			request: jsonPost({}, { 'X-Token': 'wrong' }),
		});
		expect(rejected).toMatchObject({ status: 403, executed: false, noWebhookResponse: true });
	});

	it('without the credential, getCredentials() throws and n8n answers 500', async () => {
		const result = await runTriggerWorkflow({
			node: new CredentialTrigger(),
			parameters: {},
			request: jsonPost({}, { 'X-Token': 's3cret' }),
		});
		expect(result.status).toBe(500);
		expect(result.downstreamItems).toEqual([]);
	});
});

describe('runTriggerWorkflow: the request as n8n prepares it', () => {
	const bytes = Buffer.from('{"b": 1,  "a":2}\n');

	it('typeVersion 1 with application/json: exact bytes in rawBody, parsed body, headers, ip, query', async () => {
		const result = await runTriggerWorkflow({
			node: new RequestProbeTrigger(),
			parameters: {},
			request: {
				method: 'POST',
				headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Signature': 'abc' },
				body: bytes,
				ip: '203.0.113.7',
				query: { q: '1' },
			},
		});
		expect(result.downstreamItems[0].json).toEqual({
			rawBodyHex: bytes.toString('hex'),
			body: { b: 1, a: 2 },
			ip: '203.0.113.7',
			signature: 'abc',
			query: { q: '1' },
		});
	});

	it('the media type is lower-cased before the JSON check (application/JSON is parsed)', async () => {
		const result = await runTriggerWorkflow({
			node: new RequestProbeTrigger(),
			parameters: {},
			request: { method: 'POST', headers: { 'content-type': 'application/JSON' }, body: bytes },
		});
		expect(result.downstreamItems[0].json.body).toEqual({ b: 1, a: 2 });
	});

	it('other content types are not parsed, rawBody still holds the bytes (typeVersion 1)', async () => {
		const result = await runTriggerWorkflow({
			node: new RequestProbeTrigger(),
			parameters: {},
			request: { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes },
		});
		expect(result.downstreamItems[0].json).toMatchObject({ rawBodyHex: bytes.toString('hex'), body: {} });
	});

	it('typeVersion 2 with an unparsable content type: rawBody is not read for the node', async () => {
		const result = await runTriggerWorkflow({
			node: new RequestProbeTrigger(2),
			parameters: {},
			request: { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes },
		});
		expect(result.downstreamItems[0].json).toMatchObject({ rawBodyHex: null, body: {} });
	});

	it('invalid JSON under application/json: 422 before the node runs', async () => {
		const before = RequestProbeTrigger.calls;
		const result = await runTriggerWorkflow({
			node: new RequestProbeTrigger(),
			parameters: {},
			request: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' },
		});
		expect(result.status).toBe(422);
		expect(result.responseBody).toMatchObject({ code: 422, message: 'Failed to parse request body' });
		expect(result.executed).toBe(false);
		expect(RequestProbeTrigger.calls).toBe(before);
	});
});

describe('runActionNode', () => {
	const people = [{ json: { name: 'Ada' } }, { json: { name: 'Linus' } }];

	it('runs the node on the input items with its parameters and credentials', async () => {
		const result = await runActionNode({
			node: new GreetNode(),
			parameters: { greeting: 'Hi', useCredential: true },
			credentials: { x: { secret: 'k' } },
			inputItems: people,
		});
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.outputItems).toHaveLength(1);
		expect(result.outputItems[0].map((item) => item.json)).toEqual([{ text: 'Hi, Ada (k)' }, { text: 'Hi, Linus (k)' }]);
		expect(result.runData.Start).toBeDefined();
	});

	it('applies parameter defaults as n8n does', async () => {
		const result = await runActionNode({ node: new GreetNode(), parameters: {}, inputItems: people.slice(0, 1) });
		expect(result.outputItems[0][0].json).toEqual({ text: 'Hello, Ada' });
	});

	it('a failing node fails the execution', async () => {
		const result = await runActionNode({ node: new GreetNode(), parameters: { failOn: 'Linus' }, inputItems: people });
		expect(result.error?.message).toBe('cannot greet Linus');
		expect(result.outputItems).toEqual([]);
		expect(result.status).toBe('error');
	});

	it('continueOnFail: the node sees continueOnFail() === true and the execution succeeds', async () => {
		const result = await runActionNode({
			node: new GreetNode(),
			parameters: { failOn: 'Linus' },
			inputItems: people,
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.outputItems[0].map((item) => item.json)).toEqual([
			{ text: 'Hello, Ada' },
			{ error: 'cannot greet Linus' },
		]);
	});

	it('an aborted signal cancels the execution through n8n\'s cancel signal', async () => {
		WaitForCancelNode.sawAbort = false;
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 50);
		const result = await runActionNode({
			node: new WaitForCancelNode(),
			parameters: {},
			inputItems: people,
			signal: controller.signal,
		});
		expect(WaitForCancelNode.sawAbort).toBe(true);
		expect(result.status).toBe('canceled');
	});
});
