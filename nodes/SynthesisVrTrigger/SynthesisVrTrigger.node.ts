import type { IDataObject, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { DEFAULT_MAX_EVENTS, receiveSynthesisVr, type SynthesisVrSettings } from './receive';
import { boundedNumber, handleDelivery, readCommonOptions, readList } from '../shared/n8n/trigger';
import {
	authenticationParameter,
	commonOptions,
	EMPTY_MEANS_ALL_HINT,
	RESPOND_ON_RECEIVED,
	vendorTriggerDescription,
} from '../shared/n8n/triggerDescription';
import { credentialCheckedWebhookMethods } from '../shared/n8n/credentialTests';
import { getWebhookCredentials } from '../shared/n8n/webhookCredentials';

const MAX_EVENTS = 10000;

async function readSynthesisVrSettings(ctx: IWebhookFunctions): Promise<SynthesisVrSettings> {
	const settings: SynthesisVrSettings = {
		...readCommonOptions(ctx),
		actions: readList(ctx, 'actions'),
		maxEvents: boundedNumber((ctx.getNodeParameter('options', {}) as IDataObject).maxEvents, DEFAULT_MAX_EVENTS, 1, MAX_EVENTS),
	};
	if (ctx.getNodeParameter('authentication') === 'token') {
		const credentials = await getWebhookCredentials(ctx, 'synthesisVrWebhookApi');
		settings.token = {
			value: String(credentials.token ?? ''),
			headerName: ctx.getNodeParameter('headerName') as string,
			queryName: ctx.getNodeParameter('queryParameter') as string,
		};
	}
	return settings;
}

export class SynthesisVrTrigger implements INodeType {
	description: INodeTypeDescription = {
		...vendorTriggerDescription({
			displayName: 'SynthesisVR Trigger',
			name: 'synthesisVrTrigger',
			description: 'Starts the workflow when SynthesisVR posts session events (one item per event)',
			credential: { name: 'synthesisVrWebhookApi', shownWhen: { authentication: ['token'] } },
			// SynthesisVR waits at most 2 s and never retries: acknowledge before the workflow runs.
			webhooks: RESPOND_ON_RECEIVED,
			panel: {
				sender: 'SynthesisVR',
				consoleSteps:
					'In SynthesisVR, open Administration → Advanced Settings → Online & Email Settings → Web Widgets & API → API & Webhooks and paste the URL, with <code>?token=YOUR_TOKEN</code> appended.',
			},
			setupNotice:
				'In SynthesisVR: Administration → Advanced Settings → Online & Email Settings → Web Widgets & API → API & Webhooks. Paste the production URL above; with a token, append ?token=YOUR_TOKEN.',
			properties: [
				authenticationParameter(
					{ name: 'Shared Token', value: 'token', description: 'Require a token in the query string or a header' },
					'Rely on the unguessable webhook URL (and the IP allow-list) only',
				),
				{
					displayName: 'Query Parameter Name',
					name: 'queryParameter',
					type: 'string',
					default: 'token',
					displayOptions: { show: { authentication: ['token'] } },
					description: 'Name of the query parameter that may carry the token',
				},
				{
					displayName: 'Header Name',
					name: 'headerName',
					type: 'string',
					default: 'x-webhook-token',
					displayOptions: { show: { authentication: ['token'] } },
					description: 'Name of the header that may carry the token (for proxies that add one)',
				},
				{
					displayName: 'Action Filter',
					name: 'actions',
					type: 'multiOptions',
					hint: EMPTY_MEANS_ALL_HINT,
					options: [
						{ name: 'Create', value: 'create', description: 'A session was created' },
						{ name: 'Delete', value: 'delete', description: 'A session was removed' },
					],
					default: [],
					description: 'Session actions to pass on',
				},
				{
					...commonOptions,
					options: [
						...(commonOptions.options ?? []),
						{
							displayName: 'Max Events per Delivery',
							name: 'maxEvents',
							type: 'number',
							typeOptions: { minValue: 1, maxValue: MAX_EVENTS },
							default: DEFAULT_MAX_EVENTS,
							description: 'A POST with more events is refused with 413 (each event becomes an item)',
						},
					],
				},
			],
		}),
		subtitle: '={{ $parameter["actions"].length ? "Sessions: " + $parameter["actions"].join(", ") : "All session events" }}',
		icon: { light: 'file:synthesisVr.svg', dark: 'file:synthesisVr.dark.svg' },
	};

	webhookMethods = credentialCheckedWebhookMethods('synthesisVrWebhookApi', (ctx) => ctx.getNodeParameter('authentication') === 'token');

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery(this, readSynthesisVrSettings, receiveSynthesisVr, { respondImmediately: true });
	}
}
