import type {
	INodeParameters,
	INodeProperties,
	INodeTypeDescription,
	IWebhookDescription,
	NodeParameterValueType,
	TriggerPanelDefinition,
} from 'n8n-workflow';
import { NodeConnectionTypes, webhookDescriptionFields } from 'n8n-workflow';

import { DEFAULT_MAX_BODY_KIB, MAX_BODY_KIB } from '../delivery';

/** The description parts every trigger of this package shares (the request side is in trigger.ts). */

type ResponseFields = Pick<IWebhookDescription, 'responseMode' | 'responseData'>;

/** n8n's webhook description for these triggers: POST to `/webhook/<webhookId>/webhook`. */
function webhookDescription(fields: ResponseFields): IWebhookDescription[] {
	return [{ name: 'default', httpMethod: 'POST', path: 'webhook', ...fields }];
}

/** Respond immediately; `responseData: ''` makes n8n answer with our `webhookResponse` summary. */
export const RESPOND_ON_RECEIVED = webhookDescription({ responseMode: 'onReceived', responseData: '' });

/** A description field computed from the node's parameters: the template and the same logic. */
interface ParameterField {
	template: string;
	resolve: (parameters: INodeParameters) => NodeParameterValueType | undefined;
}

/**
 * n8n 2.41+ resolves such fields itself, without acquiring an expression isolate, when the node's
 * parameters hold no expression (`webhookDescriptionFields`); older n8n evaluates the templates.
 */
function parameterFields(fields: Record<keyof ResponseFields, ParameterField>): ResponseFields {
	if (typeof webhookDescriptionFields === 'function') return webhookDescriptionFields(fields);
	return { responseMode: fields.responseMode.template, responseData: fields.responseData.template };
}

/** When a trigger with a *Respond* field answers: n8n's response modes, by the same names. */
export type RespondMode = 'onReceived' | 'lastNode';

/**
 * The description of a trigger with a *Respond* field ({@link respondParameter}). "Immediately"
 * answers our summary (`responseData: ''`); "after the workflow" answers 200 with no body, or
 * 500 when the workflow failed. `noData` keeps the workflow's items out of the sender's answer.
 */
export const RESPOND_WEBHOOKS = webhookDescription(parameterFields({
	responseMode: { template: '={{$parameter["respond"]}}', resolve: (parameters) => parameters.respond },
	responseData: {
		template: '={{$parameter["respond"] === "lastNode" ? "noData" : ""}}',
		resolve: (parameters) => (parameters.respond === 'lastNode' ? 'noData' : ''),
	},
}));

/** The texts of the *Respond* field: a default and what each choice means for this sender. */
export interface RespondTexts {
	default: RespondMode;
	onReceived: { name: string; description: string };
	lastNode: { name: string; description: string };
}

/** For senders that retry on errors; "Immediately" is how these triggers answered before. */
const RETRYING_SENDER_RESPOND: RespondTexts = {
	default: 'onReceived',
	onReceived: {
		name: 'Immediately',
		description:
			'Answer 200 as soon as the delivery is verified, before the workflow runs (fastest). If the workflow then fails, or the n8n worker running it dies, the sender has been told 200 and does not send the event again.',
	},
	lastNode: {
		name: 'After the Workflow (500 If It Fails)',
		description:
			"Answer when the workflow has finished: 200 if it succeeded, 500 if it failed, so a sender that retries on errors sends the event again. Holds the sender's connection while the workflow runs: a workflow slower than the sender's timeout counts as failed to the sender. A re-sent event may have partly run before: remove duplicates on meta.dedupKey (Remove Duplicates node).",
	},
};

/**
 * The *Respond* field read by {@link RESPOND_WEBHOOKS} and {@link respondImmediately}; its name and
 * values are stored in saved workflows. A saved workflow holds no value for a field added later
 * and gets its default, so a default of "Immediately" keeps today's answer without a version bump.
 */
export function respondParameter({ default: mode, onReceived, lastNode }: RespondTexts = RETRYING_SENDER_RESPOND): INodeProperties {
	return {
		displayName: 'Respond',
		name: 'respond',
		type: 'options',
		options: [
			{ value: 'onReceived', ...onReceived },
			{ value: 'lastNode', ...lastNode },
		],
		default: mode,
	};
}

/**
 * The trigger panel of a vendor trigger: what to do in the vendor's console, instead of n8n's
 * "Pull in events from …". HTML (n8n sanitises it); the header must not be empty.
 */
function vendorTriggerPanel(vendor: string, consoleSteps: string): TriggerPanelDefinition {
	return {
		header: `Send a test event from ${vendor}`,
		executionsHelp: {
			inactive: `<b>While building</b>: click <i>Listen for test event</i>, paste this node's <b>Test URL</b> (Webhook URLs, above the parameters) in ${vendor}, then send an event: it runs this workflow once, here in the editor. A delivery this node refuses (bad signature, token or body) shows its reason as the test run's error.<br /><br /><b>In production</b>: ${consoleSteps} Use the <b>Production URL</b> and publish the workflow: every verified delivery then starts an execution, without the editor open.`,
			active: `This workflow is published: every verified delivery from ${vendor} to the <b>Production URL</b> starts an execution, listed in the <a data-key="executions">executions list</a>. Refused deliveries start none; they are answered 4xx and logged by n8n.`,
		},
		activationHint: `${consoleSteps} Then publish the workflow: deliveries to the Production URL run it without this button.`,
	};
}

/**
 * The *Authentication* field of the triggers that check one secret: the vendor's method, or
 * none (the choice is stored in saved workflows as `authentication`).
 */
export function authenticationParameter(method: { name: string; value: string; description: string }, noneDescription?: string): INodeProperties {
	// The lint looks for a literal default; here it is the vendor's method, which each node names.
	// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
	return {
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [method, { name: 'None', value: 'none', ...(noneDescription ? { description: noneDescription } : {}) }],
		default: method.value,
	};
}

/** For multi-select filters: n8n shows neither placeholder nor description, but shows a hint. */
export const EMPTY_MEANS_ALL_HINT = 'Leave empty to pass on every event, including kinds added later';

export const commonOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Allowed IP Addresses',
			name: 'allowedIps',
			type: 'string',
			default: '',
			placeholder: '203.0.113.0/24, 2001:db8::/32',
			description:
				'Comma-separated IP addresses or CIDR ranges (IPv4 and IPv6) allowed to call this webhook. Empty allows every address. Behind a reverse proxy, set N8N_PROXY_HOPS so n8n sees the client address.',
		},
		{
			displayName: 'Include Request Headers',
			name: 'includeHeaders',
			type: 'boolean',
			default: false,
			description: 'Whether to add the request headers to meta.headers (secret-bearing headers are redacted)',
		},
		{
			displayName: 'Max Body Size (KiB)',
			name: 'maxBodyKib',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_BODY_KIB },
			default: DEFAULT_MAX_BODY_KIB,
			description: 'Larger deliveries are refused with 413 before their signature is checked. n8n itself reads at most N8N_PAYLOAD_SIZE_MAX (16 MiB by default).',
		},
	],
};

/**
 * What differs between the vendor triggers' descriptions; the rest is {@link vendorTriggerDescription}'s.
 * The icon and subtitle stay in the node file, where n8n's lint looks for them (and checks the icon files).
 */
export interface VendorTriggerSpec {
	displayName: string;
	name: string;
	description: string;
	/** The credential, and the parameter values that need it (none: always). */
	credential: { name: string; shownWhen?: Record<string, string[]> };
	webhooks: IWebhookDescription[];
	/** Whom the trigger panel names, and what to do in their console (HTML). */
	panel: { sender: string; consoleSteps: string };
	/** The notice above the parameters: the console steps again, in plain text (or notices of its own in `properties`). */
	setupNotice?: string;
	/** The parameters after the notice. */
	properties: INodeProperties[];
	/** Default: 1 and 2, where 2 behaves as 1 but costs n8n less per request (see handleDelivery). */
	version?: { all: number[]; default: number };
}

export function vendorTriggerDescription(spec: VendorTriggerSpec): Omit<INodeTypeDescription, 'icon' | 'subtitle'> {
	const version = spec.version ?? { all: [1, 2], default: 2 };
	return {
		displayName: spec.displayName,
		name: spec.name,
		group: ['trigger'],
		version: version.all,
		defaultVersion: version.default,
		description: spec.description,
		defaults: { name: spec.displayName },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: spec.credential.name, required: true, ...(spec.credential.shownWhen ? { displayOptions: { show: spec.credential.shownWhen } } : {}) },
		],
		webhooks: spec.webhooks,
		triggerPanel: vendorTriggerPanel(spec.panel.sender, spec.panel.consoleSteps),
		properties: spec.setupNotice
			? [{ displayName: spec.setupNotice, name: 'setupNotice', type: 'notice', default: '' }, ...spec.properties]
			: spec.properties,
	};
}
