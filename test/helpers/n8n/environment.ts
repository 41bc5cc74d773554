/**
 * The pieces of an n8n instance that a workflow run needs around the real engine
 * (n8n-workflow `Workflow`, n8n-core `WebhookContext` / `WorkflowExecute`): a registry of node
 * types, a credentials store, and the `additionalData` object n8n builds per execution.
 *
 * `additionalData` is a plain object on purpose: a catch-all mock (Proxy, jest-mock-extended)
 * answers every property, which makes n8n-core take paths such as decrypting a runner
 * identity or calling an OAuth proxy that an instance would not take.
 */
import { ExecutionLifecycleHooks, ExternalSecretsProxy } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeOperationError,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

export const PACKAGE_PREFIX = 'n8n-nodes-vendor-webhooks';

/** The type name a node class is registered under, as n8n names community nodes. */
export function nodeTypeName(nodeType: INodeType): string {
	return nodeType.description.name.includes('.')
		? nodeType.description.name
		: `${PACKAGE_PREFIX}.${nodeType.description.name}`;
}

/** The newest version the node class declares (n8n's default for a new node). */
export function latestVersion(nodeType: INodeType): number {
	const { version } = nodeType.description;
	return Array.isArray(version) ? Math.max(...version) : version;
}

/** A map-based `INodeTypes`, like n8n's `NodeTypes` service after loading a package. */
export class MapNodeTypes implements INodeTypes {
	private readonly types = new Map<string, INodeType>();

	register(nodeType: INodeType): string {
		const name = nodeTypeName(nodeType);
		this.types.set(name, nodeType);
		return name;
	}

	getByName(name: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(name);
	}

	getByNameAndVersion(name: string): INodeType {
		const nodeType = this.types.get(name);
		if (!nodeType) throw new Error(`test harness: unknown node type "${name}"`);
		return nodeType;
	}

	getKnownTypes(): IDataObject {
		return Object.fromEntries([...this.types.keys()].map((name) => [name, {}]));
	}
}

/**
 * Serves decrypted credentials by type name, like n8n's `CredentialsHelper.getDecrypted`
 * after loading the node's assigned credential. A type that was not given fails the way a
 * missing credential fails in n8n (an error from `getCredentials`).
 */
export class MapCredentialsHelper extends ICredentialsHelper {
	/** How many times a node asked for decrypted credentials (n8n decrypts afresh every time). */
	lookups = 0;

	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		_credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
	): Promise<IHttpRequestOptions> {
		return requestOptions as IHttpRequestOptions;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(_nodeCredentials: INodeCredentialsDetails, type: string): Promise<ICredentials> {
		throw new Error(`test harness: getCredentials("${type}") is not supported; use getDecrypted`);
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		this.lookups++;
		const data = this.credentials[type];
		if (data === undefined) {
			throw new Error(`Credential with type "${type}" does not exist (test harness: none given)`);
		}
		// A copy, as n8n decrypts afresh for every call: a node must not be able to change them.
		return structuredClone(data);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}
}

export interface AdditionalDataOptions {
	credentials: Record<string, ICredentialDataDecryptedObject>;
	mode: WorkflowExecuteMode;
	executionId: string;
	workflowData: IWorkflowBase;
	httpRequest?: unknown;
	httpResponse?: unknown;
}

/** What `WorkflowExecuteAdditionalData.getBase` + `prepareWebhookAdditionalData` provide, minus the DB. */
export function createAdditionalData(options: AdditionalDataOptions): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	const unavailable = (what: string) => async (): Promise<never> => {
		throw new Error(`test harness: ${what} is not available`);
	};
	const additionalData: IWorkflowExecuteAdditionalData = {
		credentialsHelper: new MapCredentialsHelper(options.credentials),
		executeWorkflow: unavailable('executeWorkflow (sub-workflows)'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: unavailable('startRunnerTask (Code node task runners)'),
		executionId: options.executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
		workflowId: options.workflowData.id,
		hooks: new ExecutionLifecycleHooks(options.mode, options.executionId, options.workflowData),
		// No secrets provider configured, like an instance without external secrets.
		externalSecretsProxy: new ExternalSecretsProxy(),
	};
	// n8n-workflow types these as Express objects; ours are fakes of the transport.
	if (options.httpRequest !== undefined) {
		additionalData.httpRequest = options.httpRequest as IWorkflowExecuteAdditionalData['httpRequest'];
	}
	if (options.httpResponse !== undefined) {
		additionalData.httpResponse = options.httpResponse as IWorkflowExecuteAdditionalData['httpResponse'];
	}
	return additionalData;
}

/**
 * The description of a test node with one input, one output, version 1 and no parameters:
 * what varies between such nodes is how they are named and described.
 */
export function plainNodeDescription(named: {
	displayName: string;
	name: string;
	group: INodeTypeDescription['group'];
	description: string;
	defaultName: string;
}): INodeTypeDescription {
	const { defaultName, ...naming } = named;
	return { ...naming, version: 1, defaults: { name: defaultName }, inputs: ['main'], outputs: ['main'], properties: [] };
}

/** A pass-through node, like n8n's NoOp ("No Operation, do nothing"). */
export class HarnessNoOp implements INodeType {
	description = plainNodeDescription({
		displayName: 'No Operation',
		name: 'harnessNoOp',
		group: ['organization'],
		description: 'Returns its input',
		defaultName: 'Downstream',
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** A node that always fails, to see what n8n answers when the workflow fails. */
export class HarnessFail implements INodeType {
	description = plainNodeDescription({
		displayName: 'Always Fail',
		name: 'harnessFail',
		group: ['transform'],
		description: 'Throws',
		defaultName: 'Downstream',
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		throw new NodeOperationError(this.getNode(), 'Downstream node failed on purpose (test harness)');
	}
}

/**
 * The start of an action-node run, in the role of n8n's Manual Trigger / any trigger: a
 * trigger node outside manual mode passes its stack data through
 * (`WorkflowExecute.executeTriggerNode` returns `inputData.main`), so the items we put on
 * the stack are what the node under test receives.
 */
export class HarnessStart implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Start',
		name: 'harnessStart',
		group: ['trigger'],
		version: 1,
		description: 'Starts the test run with the given items',
		defaults: { name: 'Start' },
		inputs: [],
		outputs: ['main'],
		properties: [],
	};

	async trigger(): Promise<undefined> {
		return undefined;
	}
}

export function workflowBase(id: string, name: string): IWorkflowBase {
	const now = new Date();
	return {
		id,
		name,
		active: false,
		isArchived: false,
		nodes: [],
		connections: {},
		settings: { executionOrder: 'v1' },
		createdAt: now,
		updatedAt: now,
		activeVersionId: null,
	} as IWorkflowBase;
}

/** Every given credential assigned to a node, as if picked in the editor. */
export function credentialRefs(credentials: Record<string, unknown>): NonNullable<INode['credentials']> {
	return Object.fromEntries(Object.keys(credentials).map((type) => [type, { id: `${type}-id`, name: `${type} (test)` }]));
}

/** The engine's workflow of two nodes: `first`'s first output connected to `second`. */
export function twoNodeWorkflow(opts: {
	workflowData: IWorkflowBase;
	nodeTypes: INodeTypes;
	first: INode;
	second: INode;
	active: boolean;
}): Workflow {
	return new Workflow({
		id: opts.workflowData.id,
		name: opts.workflowData.name,
		nodes: [opts.first, opts.second],
		connections: { [opts.first.name]: { main: [[{ node: opts.second.name, type: 'main', index: 0 }]] } },
		active: opts.active,
		nodeTypes: opts.nodeTypes,
		settings: { executionOrder: 'v1' },
	});
}
