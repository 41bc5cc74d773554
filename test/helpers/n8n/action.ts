/**
 * Runs an action node inside a real two-node workflow (Start → node under test) with
 * n8n-core's `WorkflowExecute`, the way a triggered production execution runs: the start
 * node's stack entry carries the items, and `executeTriggerNode` passes them on.
 */
import { randomUUID } from 'node:crypto';

import { WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRunData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import {
	HarnessStart,
	MapNodeTypes,
	createAdditionalData,
	credentialRefs,
	latestVersion,
	twoNodeWorkflow,
	workflowBase,
} from './environment';

export interface RunActionNodeOptions {
	node: INodeType;
	parameters: INodeParameters;
	/** Decrypted credential data, keyed by credential type name. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	inputItems: INodeExecutionData[];
	/** Sets the node's "On Error" setting to "Continue" (`onError: 'continueRegularOutput'`). */
	continueOnFail?: boolean;
	/**
	 * Cancels the execution when aborted. WorkflowExecute has no signal parameter: the run is a
	 * PCancelable whose `cancel()` aborts the signal nodes get from `getExecutionCancelSignal()`,
	 * which is how n8n stops an execution (ActiveExecutions.stopExecution).
	 */
	signal?: AbortSignal;
	typeVersion?: number;
}

export interface ActionNodeRunResult {
	/** The node's output, one array per output. Empty when it produced nothing. */
	outputItems: INodeExecutionData[][];
	/** The node's error (a failed execution). Absent when it succeeded or continued on fail. */
	error?: Error;
	runData: IRunData;
	/** 'success', 'error', 'canceled', ... as n8n records it. */
	status: string;
}

const MODE: WorkflowExecuteMode = 'trigger';
const START_NAME = 'Start';

export async function runActionNode(opts: RunActionNodeOptions): Promise<ActionNodeRunResult> {
	const nodeTypes = new MapNodeTypes();
	const startTypeName = nodeTypes.register(new HarnessStart());
	const typeName = nodeTypes.register(opts.node);
	const credentials = opts.credentials ?? {};

	const nodeName = opts.node.description.defaults.name ?? opts.node.description.displayName;
	const underTest: INode = {
		id: randomUUID(),
		name: nodeName === START_NAME ? `${nodeName} (under test)` : nodeName,
		type: typeName,
		typeVersion: opts.typeVersion ?? latestVersion(opts.node),
		position: [250, 0],
		parameters: structuredClone(opts.parameters),
		credentials: credentialRefs(credentials),
		...(opts.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
	const start: INode = {
		id: randomUUID(),
		name: START_NAME,
		type: startTypeName,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const workflowData = workflowBase('harness-action-workflow', 'Harness action workflow');
	const workflow = twoNodeWorkflow({ workflowData, nodeTypes, first: start, second: underTest, active: false });

	const additionalData = createAdditionalData({
		credentials,
		mode: MODE,
		executionId: `harness-${randomUUID()}`,
		workflowData,
	});
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: workflow.nodes[START_NAME], data: { main: [structuredClone(opts.inputItems)] }, source: null },
			],
		},
	});

	const execution = new WorkflowExecute(additionalData, MODE, runExecutionData).processRunExecutionData(workflow);
	const cancel = () => execution.cancel();
	if (opts.signal?.aborted) cancel();
	opts.signal?.addEventListener('abort', cancel, { once: true });
	let run;
	try {
		run = await execution;
	} finally {
		opts.signal?.removeEventListener('abort', cancel);
	}

	const { runData } = run.data.resultData;
	const taskData = runData[underTest.name]?.[0];
	const error = taskData?.error ?? run.data.resultData.error;
	return {
		outputItems: (taskData?.data?.main ?? []).map((branch) => branch ?? []),
		...(error ? { error } : {}),
		runData,
		status: run.status,
	};
}
