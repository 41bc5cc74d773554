import { createHmac } from 'node:crypto';

import type { INodeParameters, INodeType } from 'n8n-workflow';

import { ApiRtcTrigger } from '../../nodes/ApiRtcTrigger/ApiRtcTrigger.node';
import { EventWebhookTrigger } from '../../nodes/EventWebhookTrigger/EventWebhookTrigger.node';
import { RoomleTrigger } from '../../nodes/RoomleTrigger/RoomleTrigger.node';
import { createRoomleToken } from '../../nodes/shared/roomleToken';
import { SignedWebhookTrigger } from '../../nodes/SignedWebhookTrigger/SignedWebhookTrigger.node';
import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { SynthesisVrTrigger } from '../../nodes/SynthesisVrTrigger/SynthesisVrTrigger.node';
import { runTriggerWorkflow, type TriggerRunResult } from '../helpers/n8n';

/** One valid delivery per trigger, shared by the tests that every trigger must pass. */
export interface TriggerCase {
	name: string;
	node: INodeType;
	parameters: INodeParameters;
	credentials: Record<string, Record<string, string>>;
	// Pretty-printed on purpose: re-serialised JSON would not match a signature over these bytes.
	body: string;
	/** The headers/query that authenticate `body`. */
	auth: (body: string | Buffer) => { headers?: Record<string, string>; query?: Record<string, string> };
	/** Parameters whose filters remove the event in `body`. */
	filterOut: INodeParameters;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const SYNCHUB_SECRET = 'synchub-destination-secret-1';
const ROOMLE = { apiKey: 'aValidApiKey', secret: 'a-Secr3t_Str1ng!' };
const GITHUB_SECRET = 'github-webhook-secret-7f3a';

export const TRIGGER_CASES: TriggerCase[] = [
	{
		name: 'SynthesisVR',
		node: new SynthesisVrTrigger(),
		parameters: { authentication: 'token' },
		credentials: { synthesisVrWebhookApi: { token: 'svr-0123456789abcdef-token' } },
		body: pretty([{ uuid: 'u1', action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 }]),
		auth: () => ({ query: { token: 'svr-0123456789abcdef-token' } }),
		filterOut: { actions: ['delete'] },
	},
	{
		name: 'SYNCHUB',
		node: new SynchubTrigger(),
		parameters: {},
		credentials: { synchubWebhookApi: { secret: SYNCHUB_SECRET } },
		body: pretty({ event: 'sync.run.completed', id: 'run_1', status: 'failed' }),
		auth: (body) => ({ headers: { 'x-synchub-signature': createHmac('sha256', SYNCHUB_SECRET).update(body).digest('hex') } }),
		filterOut: { outcome: 'success' },
	},
	{
		name: 'ApiRTC',
		node: new ApiRtcTrigger(),
		parameters: {},
		credentials: { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'apirtc-shared-secret-42' } },
		body: pretty({ event: 'update', time: 1575976413, object: 'ticket', objectId: 100, props: { state: 'invited' } }),
		auth: () => ({ headers: { 'x-webhook-secret': 'apirtc-shared-secret-42' } }),
		filterOut: { objects: ['media'] },
	},
	{
		name: 'Roomle',
		node: new RoomleTrigger(),
		parameters: {},
		credentials: { roomleWebhookApi: ROOMLE },
		body: pretty({ event: 'email.shareConfiguration', data: { success: true, email: 'buyer@example.com' } }),
		auth: () => ({ headers: { token: createRoomleToken(ROOMLE) } }),
		filterOut: { events: ['email.3DExportAsset'] },
	},
	{
		name: 'Event Webhook',
		node: new EventWebhookTrigger(),
		parameters: {},
		credentials: { eventWebhookApi: { apiKey: 'evt-key-0123456789abcdef' } },
		body: pretty({ event_time: 1764000000, event_type: 'user.created', current_context: {}, data: { id: 42 } }),
		auth: () => ({ headers: { 'x-api-key': 'evt-key-0123456789abcdef' } }),
		filterOut: { eventTypes: 'order.*' },
	},
	{
		name: 'Signed Webhook (GitHub)',
		node: new SignedWebhookTrigger(),
		parameters: { preset: 'github' },
		credentials: { webhookHmacSecretApi: { secret: GITHUB_SECRET } },
		body: pretty({ action: 'opened', issue: { number: 1347 }, repository: { full_name: 'octocat/Hello-World' } }),
		// The signature header first: the whitespace test alters the first header.
		auth: (body) => ({
			headers: {
				'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
				'x-github-event': 'issues',
				'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
			},
		}),
		filterOut: { eventTypes: 'push' },
	},
];

export const triggerCase = (name: string): TriggerCase => {
	const found = TRIGGER_CASES.find((c) => c.name === name);
	if (!found) throw new Error(`no trigger case ${name}`);
	return found;
};

/** Sends `body`, authenticated as `c.auth` says, to the trigger in a real workflow. */
export async function sendCase(
	c: TriggerCase,
	options: {
		body?: string | Buffer;
		contentType?: string;
		parameters?: INodeParameters;
		typeVersion?: number;
		nodeId?: string;
		downstream?: 'noOp' | 'fail';
		authenticated?: boolean;
	} = {},
): Promise<TriggerRunResult> {
	const body = options.body ?? c.body;
	const { headers = {}, query } = options.authenticated === false ? {} : c.auth(body);
	const contentType = 'contentType' in options ? options.contentType : 'application/json';
	return await runTriggerWorkflow({
		node: c.node,
		parameters: { ...c.parameters, ...options.parameters },
		credentials: c.credentials,
		typeVersion: options.typeVersion,
		nodeId: options.nodeId,
		downstream: options.downstream,
		request: { method: 'POST', body, query, headers: contentType === undefined ? headers : { ...headers, 'content-type': contentType } },
	});
}
