import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { handleDelivery, readCommonOptions, readList, respondImmediately } from '../shared/n8n/trigger';
import {
	authenticationParameter,
	commonOptions,
	EMPTY_MEANS_ALL_HINT,
	RESPOND_WEBHOOKS,
	respondParameter,
	vendorTriggerDescription,
} from '../shared/n8n/triggerDescription';
import { credentialCheckedWebhookMethods } from '../shared/n8n/credentialTests';
import { getWebhookCredentials } from '../shared/n8n/webhookCredentials';
import { type ApiRtcSettings, receiveApiRtc } from './receive';

async function readApiRtcSettings(ctx: IWebhookFunctions): Promise<ApiRtcSettings> {
	const settings: ApiRtcSettings = {
		...readCommonOptions(ctx),
		objects: readList(ctx, 'objects'),
		events: readList(ctx, 'events'),
	};
	if (ctx.getNodeParameter('authentication') === 'customHeader') {
		const credentials = await getWebhookCredentials(ctx, 'apiRtcWebhookApi');
		settings.secretHeader = { name: String(credentials.headerName ?? ''), value: String(credentials.secret ?? '') };
	}
	return settings;
}

export class ApiRtcTrigger implements INodeType {
	description: INodeTypeDescription = {
		...vendorTriggerDescription({
			displayName: 'ApiRTC Trigger',
			name: 'apiRtcTrigger',
			description: 'Starts the workflow when ApiRTC (Apizee) reports a ticket, media or conversation event',
			credential: { name: 'apiRtcWebhookApi', shownWhen: { authentication: ['customHeader'] } },
			webhooks: RESPOND_WEBHOOKS,
			panel: {
				sender: 'ApiRTC',
				consoleSteps:
					'In the ApiRTC console, open Company → Company account → Settings → WebHooks, paste the URL, tick <i>Activate</i> and add the custom header of your credential (name and value).',
			},
			setupNotice:
				'In the ApiRTC console: Company → Company account → Settings → WebHooks. Paste the production URL above, tick Activate, and add the custom header from your credential (name and value).',
			properties: [
				authenticationParameter(
					{ name: 'Custom Header', value: 'customHeader', description: 'Require the secret header added in the ApiRTC console' },
					'ApiRTC signs nothing: rely on the URL and the IP allow-list only',
				),
				{
					displayName: 'Object Filter',
					name: 'objects',
					type: 'multiOptions',
					hint: 'Leave empty to pass on events of every object',
					options: [
						{ name: 'Conversation', value: 'conversation' },
						{ name: 'Media', value: 'media' },
						{ name: 'SMS Message', value: 'smsmessage' },
						{ name: 'Ticket', value: 'ticket' },
					],
					default: [],
					description: 'Objects whose events to pass on',
				},
				{
					displayName: 'Event Filter',
					name: 'events',
					type: 'multiOptions',
					hint: EMPTY_MEANS_ALL_HINT,
					options: [
						{ name: 'Create', value: 'create' },
						{ name: 'Delete', value: 'delete' },
						{ name: 'Update', value: 'update' },
					],
					default: [],
					description: 'Events to pass on',
				},
				respondParameter(),
				commonOptions,
			],
		}),
		subtitle: '={{ $parameter["objects"].length ? $parameter["objects"].map((o) => ({ ticket: "Ticket", media: "Media", conversation: "Conversation", smsmessage: "SMS" })[o] ?? o).join(", ") + " events" : "All events" }}',
		icon: { light: 'file:apiRtc.svg', dark: 'file:apiRtc.dark.svg' },
	};

	webhookMethods = credentialCheckedWebhookMethods('apiRtcWebhookApi', (ctx) => ctx.getNodeParameter('authentication') === 'customHeader');

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery(this, readApiRtcSettings, receiveApiRtc, { respondImmediately: respondImmediately(this) });
	}
}
