/**
 * Runs a webhook trigger the way an n8n instance does for a production webhook call, with the
 * real engine: the node's `webhook()` runs in n8n-core's `WebhookContext`, the workflow runs in
 * n8n-core's `WorkflowExecute`, expressions resolve through n8n-workflow's `Workflow`.
 *
 * What is reproduced from n8n's CLI (packages/cli, not published as a library, so re-written
 * here after n8n-io/n8n at the 2.41 line; see each function's comment for the source):
 * - request body handling before the node runs (webhooks/webhook-helpers.ts `parseRequestBody`,
 *   middlewares/body-parser.ts) → fake-http.ts;
 * - `executeWebhook` (webhooks/webhook-helpers.ts): response options from the node's webhook
 *   description, `invokeWebhook` (a throwing node answers 500 and records a failed execution),
 *   `handleImmediateWebhookResponse` (noWebhookResponse / no workflowData), `onReceived` and
 *   `lastNode` answers, `prepareExecutionData`;
 * - the answers' shapes: webhooks/webhook-on-received-response-extractor.ts,
 *   webhooks/webhook-last-node-response-extractor.ts, webhooks/webhook-request-handler.ts
 *   (static vs legacy responses, CSP header), response-helper.ts `sendErrorResponse`;
 * - `WorkflowHelpers.getLastExecutedNodeData` (workflow-helpers.ts).
 *
 * Not reproduced: multipart/XML bodies, binary responses, `responseNode`/`streaming`/form/chat
 * modes, CORS, test webhooks (`/webhook-test`), queue mode, engine v2, path parameters.
 */
import { randomUUID } from 'node:crypto';

import { WebhookContext, WorkflowExecute, getHtmlSandboxCSP, isWebhookHtmlSandboxingDisabled } from 'n8n-core';
import {
	NodeOperationError,
	Workflow,
	WorkflowConfigurationError,
	createRunExecutionData,
	resolveWebhookDescriptionField,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRun,
	type IRunData,
	type ITaskData,
	type IWebhookData,
	type IWebhookDescription,
	type IWebhookResponseData,
	type IWorkflowDataProxyAdditionalKeys,
	type NodeParameterValueType,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import {
	HarnessFail,
	HarnessNoOp,
	MapNodeTypes,
	createAdditionalData,
	MapCredentialsHelper,
	latestVersion,
	workflowBase,
	credentialRefs,
	twoNodeWorkflow,
} from './environment';
import {
	FakeResponse,
	UnprocessableBodyError,
	createFakeRequest,
	parseRequestBodyLikeN8n,
	type TestRequest,
} from './fake-http';

export interface TriggerRunResult {
	/**
	 * HTTP status the trigger (or n8n's default for its response mode) produced.
	 * 0 when nothing was written at all: in n8n the caller would wait until it times out.
	 */
	status: number;
	/** Parsed JSON if the response is JSON, else the text; undefined for an empty body. */
	responseBody: unknown;
	/** Lower-cased header names. */
	responseHeaders: Record<string, string>;
	/** The node wrote the response itself. */
	noWebhookResponse: boolean;
	/** `IWebhookResponseData.webhookResponse` if any. */
	webhookResponse: unknown;
	/** Whether a workflow execution ran (n8n would list it under Executions). */
	executed: boolean;
	/** What the downstream node received (empty if it did not run). */
	downstreamItems: INodeExecutionData[];
	runData?: IRunData;
	/** The execution's error (a failed execution), or what `webhook()` threw. */
	executionError?: unknown;
	/** The exact bytes written to the response. */
	responseRawBody: Buffer;
	/** Calls to the credentials helper during this request (each one decrypts in n8n). */
	credentialLookups: number;
}

export interface RunTriggerWorkflowOptions {
	/** An instance of the trigger node class under test. */
	node: INodeType;
	parameters: INodeParameters;
	/** Decrypted credential data, keyed by credential type name. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	request: TestRequest;
	/** The node after the trigger; 'fail' throws, to test a failed workflow. Default 'noOp'. */
	downstream?: 'noOp' | 'fail' | INodeType;
	/** Default: the newest version the node declares. */
	typeVersion?: number;
	/** The trigger node's id; give the same id to run several requests against "one" node. */
	nodeId?: string;
	/** 'manual' for a delivery to the test URL while the editor listens. Default 'webhook'. */
	mode?: WorkflowExecuteMode;
}

const DOWNSTREAM_NAME = 'Downstream';
const SUPPORTED_RESPONSE_MODES = new Set(['onReceived', 'lastNode']);
const KNOWN_RESPONSE_MODES = new Set([
	'onReceived',
	'lastNode',
	'responseNode',
	'formPage',
	'streaming',
	'hostedChat',
]);

/** Wraps the downstream node so the harness sees exactly what the engine handed it. */
function recordInput(inner: INodeType, sink: INodeExecutionData[]): INodeType {
	const execute = inner.execute;
	if (!execute) throw new Error('test harness: a downstream node needs an execute() method');
	return {
		description: inner.description,
		methods: inner.methods,
		async execute(this: IExecuteFunctions) {
			sink.push(...this.getInputData());
			return await execute.call(this);
		},
	};
}

/**
 * What the responder in webhook-helpers.ts + webhook-request-handler.ts write, onto our fake
 * response. A request gets exactly one answer (`WebhookResponder.hasResponded`).
 */
class Responder {
	hasResponded = false;

	constructor(private readonly res: FakeResponse) {}

	/** `sendLegacyResponse(res, data, raw = true, responseCode, headers)`: no CSP header. */
	respondLegacy(data: unknown, responseCode: number | undefined): void {
		if (this.hasResponded) return;
		this.hasResponded = true;
		if (responseCode !== undefined) this.res.status(responseCode);
		if (typeof data === 'string') this.res.send(data);
		else this.res.json(data);
	}

	/** `sendStaticResponse`: status, node's response headers, CSP sandbox header, body. */
	respondStatic(body: unknown, code: number | undefined, headers: Record<string, string>): void {
		if (this.hasResponded) return;
		this.hasResponded = true;
		if (code !== undefined) this.res.status(code);
		for (const [name, value] of Object.entries(headers)) this.res.setHeader(name, value);
		if (!isWebhookHtmlSandboxingDisabled()) this.res.setHeader('content-security-policy', getHtmlSandboxCSP());
		if (typeof body === 'string') this.res.send(body);
		else this.res.json(body);
	}

	/** `sendErrorResponse` in response-helper.ts: `{ code, message, hint? }`. */
	respondError(error: Error & { httpStatusCode?: number; hint?: string }): void {
		if (this.hasResponded) return;
		this.hasResponded = true;
		const status = error.httpStatusCode ?? 500;
		const body: IDataObject = { code: error.httpStatusCode ?? 0, message: error.message ?? 'Unknown error' };
		if (error.hint) body.hint = error.hint;
		this.res.status(status).json(body);
	}

	/** The node (or another party) owns the response. */
	respondWithNoResponse(): void {
		this.hasResponded = true;
	}
}

/** `WorkflowHelpers.getLastExecutedNodeData` (packages/cli/src/workflow-helpers.ts). */
function getLastExecutedNodeData(run: IRun): ITaskData | undefined {
	const { runData, lastNodeExecuted } = run.data.resultData;
	if (lastNodeExecuted === undefined) return undefined;
	const nodeRuns = runData[lastNodeExecuted];
	if (nodeRuns === undefined) return undefined;
	return nodeRuns[nodeRuns.length - 1];
}

function getPath(value: unknown, path: string): unknown {
	let current = value;
	for (const key of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/**
 * `extractWebhookLastNodeResponse` (webhook-last-node-response-extractor.ts), JSON modes only.
 * Returns an error for "no item", which n8n answers as a 500.
 */
function extractLastNodeResponse(
	responseData: unknown,
	taskData: ITaskData,
	responsePropertyName: string | undefined,
	responseContentType: string | undefined,
): { ok: true; body: unknown; contentType?: string } | { ok: false; error: Error } {
	// Only the first main output is checked for webhooks (checkAllMainOutputs is for chat).
	const firstBranch = taskData.data?.main?.[0] ?? [];
	if (responseData === 'firstEntryJson') {
		const firstItem = firstBranch[0];
		if (firstItem === undefined) return { ok: false, error: new Error('No item to return was found') };
		const body = responsePropertyName !== undefined ? getPath(firstItem.json, responsePropertyName) : firstItem.json;
		return { ok: true, body, contentType: responseContentType };
	}
	if (responseData === 'firstEntryBinary') {
		throw new Error('test harness: binary lastNode responses are not reproduced');
	}
	if (responseData === 'noData') return { ok: true, body: undefined };
	return { ok: true, body: firstBranch.map((item) => item.json) };
}

/**
 * Runs one webhook call through a two-node workflow (trigger → downstream) and reports what
 * the caller would have received and what the downstream node received.
 */
export async function runTriggerWorkflow(opts: RunTriggerWorkflowOptions): Promise<TriggerRunResult> {
	const MODE: WorkflowExecuteMode = opts.mode ?? 'webhook';
	const nodeTypes = new MapNodeTypes();
	const triggerTypeName = nodeTypes.register(opts.node);
	const received: INodeExecutionData[] = [];
	const downstreamInner =
		opts.downstream === undefined || opts.downstream === 'noOp'
			? new HarnessNoOp()
			: opts.downstream === 'fail'
				? new HarnessFail()
				: opts.downstream;
	const downstreamType = recordInput(downstreamInner, received);
	const downstreamTypeName = nodeTypes.register(downstreamType);
	if (downstreamTypeName === triggerTypeName) throw new Error('test harness: downstream must differ from the trigger');

	const credentials = opts.credentials ?? {};
	const triggerName = opts.node.description.defaults.name ?? opts.node.description.displayName;
	const triggerNode: INode = {
		id: opts.nodeId ?? randomUUID(),
		name: triggerName === DOWNSTREAM_NAME ? `${triggerName} Trigger` : triggerName,
		type: triggerTypeName,
		typeVersion: opts.typeVersion ?? latestVersion(opts.node),
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: structuredClone(opts.parameters),
		credentials: credentialRefs(credentials),
	};
	const downstreamNode: INode = {
		id: randomUUID(),
		name: DOWNSTREAM_NAME,
		type: downstreamTypeName,
		typeVersion: latestVersion(downstreamType),
		position: [250, 0],
		parameters: {},
	};
	const workflowData = workflowBase('harness-workflow', 'Harness workflow');
	// Only the trigger's first output is connected.
	const workflow = twoNodeWorkflow({ workflowData, nodeTypes, first: triggerNode, second: downstreamNode, active: true });
	// The Workflow constructor applied the parameter defaults to its own copy of the node.
	const startNode = workflow.nodes[triggerNode.name];

	const req = createFakeRequest(opts.request);
	const res = new FakeResponse(req);
	const executionId = `harness-${randomUUID()}`;
	const additionalData = createAdditionalData({
		credentials,
		mode: MODE,
		executionId,
		workflowData,
		httpRequest: req,
		httpResponse: res,
	});
	const additionalKeys: IWorkflowDataProxyAdditionalKeys = { $executionId: executionId };
	const responder = new Responder(res);

	const result = (extra: Partial<TriggerRunResult>): TriggerRunResult => ({
		status: res.headersSent ? res.statusCode : 0,
		responseBody: res.parsedBody(),
		responseHeaders: res.getHeaders(),
		responseRawBody: res.bodyBytes,
		credentialLookups: (additionalData.credentialsHelper as MapCredentialsHelper).lookups,
		noWebhookResponse: false,
		webhookResponse: undefined,
		executed: false,
		downstreamItems: [...received],
		...extra,
	});

	// LiveWebhooks finds the registered webhook by method and path; we match on the method.
	const webhookDescription = (opts.node.description.webhooks ?? []).find(
		(description) =>
			description.restartWebhook !== true &&
			String(
				workflow.expression.getSimpleParameterValue(startNode, description.httpMethod, MODE, additionalKeys, undefined, 'GET'),
			).toUpperCase() === req.method,
	);
	if (!webhookDescription) {
		// WebhookNotFoundError (404) in n8n.
		responder.respondError(
			Object.assign(new Error(`The requested webhook "${req.method} ${req.path}" is not registered.`), {
				httpStatusCode: 404,
			}),
		);
		return result({});
	}

	// WebhookExecutionContext.evaluate{Simple,Complex}WebhookDescriptionExpression
	// (webhooks/webhook-execution-context.ts): native resolver first, then the expression engine.
	const evaluateSimple = <T extends boolean | number | string>(name: keyof IWebhookDescription & string, defaultValue?: T) => {
		const native = resolveWebhookDescriptionField(startNode, webhookDescription, name);
		if (native.resolved) return native.value as T | undefined;
		return workflow.expression.getSimpleParameterValue(
			startNode,
			webhookDescription[name] as string | boolean | undefined,
			MODE,
			additionalKeys,
			undefined,
			defaultValue,
		) as T | undefined;
	};
	const evaluateComplex = <T extends NodeParameterValueType>(name: keyof IWebhookDescription & string, defaultValue?: T) => {
		const native = resolveWebhookDescriptionField(startNode, webhookDescription, name);
		if (native.resolved) return native.value as T | undefined;
		return workflow.expression.getComplexParameterValue(
			startNode,
			webhookDescription[name] as Parameters<Workflow['expression']['getComplexParameterValue']>[1],
			MODE,
			additionalKeys,
			undefined,
			defaultValue,
		) as T | undefined;
	};

	const webhookData: IWebhookData = {
		httpMethod: req.method as IHttpRequestMethods,
		node: startNode.name,
		path: String(evaluateSimple('path') ?? ''),
		webhookDescription,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId: startNode.webhookId,
	};

	// evaluateResponseOptions (webhook-helpers.ts)
	const responseMode = String(evaluateSimple('responseMode', 'onReceived'));
	const responseCode = evaluateSimple<number>('responseCode', 200);
	const responseData = evaluateComplex<string>('responseData', 'firstEntryJson');
	if (!KNOWN_RESPONSE_MODES.has(responseMode)) {
		responder.respondError(new Error(`The response mode '${responseMode}' is not valid!`));
		return result({});
	}
	if (!SUPPORTED_RESPONSE_MODES.has(responseMode)) {
		throw new Error(`test harness: response mode '${responseMode}' is not reproduced`);
	}

	try {
		// parseRequestBody (webhook-helpers.ts): typeVersion 1 nodes may opt out with options.binaryData.
		const binaryDataOption =
			startNode.typeVersion === 1
				? workflow.expression.getSimpleParameterValue(
						startNode,
						'={{$parameter["options"]["binaryData"]}}',
						MODE,
						additionalKeys,
						undefined,
						false,
					)
				: false;
		await parseRequestBodyLikeN8n(req, startNode.typeVersion, binaryDataOption);
	} catch (error) {
		if (error instanceof UnprocessableBodyError) {
			responder.respondError(error);
			return result({});
		}
		throw error;
	}

	// invokeWebhook (webhook-helpers.ts): WebhookService.runWebhook → nodeType.webhook.call(context)
	const webhook = opts.node.webhook;
	if (!webhook) throw new Error('test harness: the trigger has no webhook() method');
	let webhookResultData: IWebhookResponseData;
	let runExecutionDataMerge: IDataObject = {};
	let webhookError: Error | undefined;
	try {
		const context = new WebhookContext(workflow, startNode, additionalData, MODE, webhookData, [], null);
		webhookResultData = await webhook.call(context);
	} catch (caught) {
		webhookError = caught instanceof Error ? caught : new Error(String(caught));
		// _privateGetWebhookErrorMessage: only configuration errors are shown to the caller.
		const surfaced =
			webhookError instanceof WorkflowConfigurationError ||
			(webhookError instanceof NodeOperationError && webhookError.type === 'manual-form-test');
		responder.respondError(
			new Error(surfaced ? webhookError.message : 'Workflow Webhook Error: Workflow could not be started!'),
		);
		// n8n still starts an execution so that the failure is recorded: the error is put on the
		// trigger as the last executed node, and WorkflowExecute rethrows it there.
		runExecutionDataMerge = {
			resultData: {
				runData: {},
				lastNodeExecuted: startNode.name,
				error: { ...webhookError, message: webhookError.message, stack: webhookError.stack },
			},
		};
		webhookResultData = { noWebhookResponse: true, workflowData: [[{ json: {} }]] };
	}

	// evaluateResponseHeaders: applied unless the node already sent its response.
	const responseHeaders: Record<string, string> = {};
	if (webhookDescription.responseHeaders !== undefined) {
		const evaluated = evaluateComplex('responseHeaders') as IDataObject | undefined;
		const entries = (evaluated?.entries ?? []) as Array<{ name: string; value: string }>;
		for (const { name, value } of entries) responseHeaders[name.toLowerCase()] = String(value);
	}
	if (!res.headersSent) {
		for (const [name, value] of Object.entries(responseHeaders)) res.setHeader(name, value);
	}

	// handleImmediateWebhookResponse
	const noWebhookResponse = webhookResultData.noWebhookResponse === true;
	if (noWebhookResponse) responder.respondWithNoResponse();
	if (webhookResultData.workflowData === undefined) {
		// Only `undefined` selects the default message; a node may answer `null`.
		responder.respondLegacy(
			webhookResultData.webhookResponse !== undefined
				? webhookResultData.webhookResponse
				: { message: 'Webhook call received' },
			responseCode,
		);
		return result({
			noWebhookResponse: webhookError ? false : noWebhookResponse,
			webhookResponse: webhookResultData.webhookResponse,
		});
	}

	// onReceived: answered without waiting for the run (extractWebhookOnReceivedResponse).
	if (responseMode === 'onReceived' && !responder.hasResponded) {
		const body =
			responseData === 'noData'
				? undefined
				: responseData
					? responseData
					: webhookResultData.webhookResponse !== undefined
						? webhookResultData.webhookResponse
						: { message: 'Workflow was started' };
		responder.respondStatic(body, responseCode, responseHeaders);
	}

	// prepareExecutionData: the node's output becomes the trigger's stack entry.
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: webhookResultData.workflowData }, source: null }],
		},
	});
	if (Object.keys(runExecutionDataMerge).length !== 0) Object.assign(runExecutionData, runExecutionDataMerge);

	let run: IRun;
	try {
		run = await new WorkflowExecute(additionalData, MODE, runExecutionData).processRunExecutionData(workflow);
	} catch (caught) {
		// executePromise rejected: "There was a problem executing the workflow" (500).
		responder.respondError(new Error('There was a problem executing the workflow'));
		return result({
			noWebhookResponse: webhookError ? false : noWebhookResponse,
			webhookResponse: webhookResultData.webhookResponse,
			executed: true,
			executionError: caught,
		});
	}

	// lastNode: answered when the run ends.
	const lastNodeTaskData = getLastExecutedNodeData(run);
	if (!responder.hasResponded) {
		if (run.data.resultData.error || lastNodeTaskData?.error !== undefined) {
			responder.respondLegacy({ message: 'Error in workflow' }, 500);
		} else if (lastNodeTaskData === undefined) {
			responder.respondLegacy(
				{ message: 'Workflow executed successfully but the last node did not return any data' },
				responseCode,
			);
		} else {
			const extracted = extractLastNodeResponse(
				responseData,
				lastNodeTaskData,
				evaluateSimple<string>('responsePropertyName'),
				evaluateSimple<string>('responseContentType'),
			);
			if (!extracted.ok) {
				responder.respondError(extracted.error);
			} else {
				const headers = { ...responseHeaders };
				if (extracted.contentType) headers['content-type'] = extracted.contentType;
				responder.respondStatic(extracted.body, responseCode, headers);
			}
		}
	}

	return result({
		noWebhookResponse: webhookError ? false : noWebhookResponse,
		webhookResponse: webhookResultData.webhookResponse,
		executed: true,
		runData: run.data.resultData.runData,
		executionError: run.data.resultData.error ?? webhookError,
	});
}
