import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { handleDelivery, readCommaSeparated, readCommonOptions, respondImmediately } from '../shared/n8n/trigger';
import {
	authenticationParameter,
	commonOptions,
	RESPOND_WEBHOOKS,
	respondParameter,
	vendorTriggerDescription,
} from '../shared/n8n/triggerDescription';
import { credentialCheckedWebhookMethods } from '../shared/n8n/credentialTests';
import { getWebhookCredentials, rotatingSecrets } from '../shared/n8n/webhookCredentials';
import { type EventWebhookSettings, receiveEventWebhook } from './receive';

async function readEventWebhookSettings(ctx: IWebhookFunctions): Promise<EventWebhookSettings> {
	const settings: EventWebhookSettings = { ...readCommonOptions(ctx), eventTypes: readCommaSeparated(ctx, 'eventTypes') };
	if (ctx.getNodeParameter('authentication') === 'apiKey') {
		const credentials = await getWebhookCredentials(ctx, 'eventWebhookApi');
		settings.apiKey = {
			headerName: ctx.getNodeParameter('headerName') as string,
			keys: rotatingSecrets(credentials, 'apiKey', 'previousApiKey'),
		};
	}
	return settings;
}

export class EventWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		...vendorTriggerDescription({
			displayName: 'Event Webhook Trigger',
			name: 'eventWebhookTrigger',
			description: 'Starts the workflow on an {event_time, event_type, current_context, data} webhook authenticated by an API key',
			credential: { name: 'eventWebhookApi', shownWhen: { authentication: ['apiKey'] } },
			webhooks: RESPOND_WEBHOOKS,
			panel: {
				sender: 'your admin console',
				consoleSteps:
					'In the sending system, open Admin Console → Settings → Webhook Settings → Create Webhook: notification type REST, the URL, the events you want and the API key of your credential.',
			},
			setupNotice:
				'In the sending system: Admin Console → Settings → Webhook Settings → Create Webhook. Notification type REST, the production URL above, the events you want, and the API key from your credential.',
			properties: [
				authenticationParameter(
					{ name: 'API Key', value: 'apiKey', description: 'Require the API key in a header or as Authorization: Bearer' },
				),
				{
					displayName: 'API Key Header',
					name: 'headerName',
					type: 'string',
					default: 'x-api-key',
					description: 'Header that carries the key. Authorization: Bearer &lt;key&gt; is accepted too.',
					displayOptions: { show: { authentication: ['apiKey'] } },
				},
				{
					displayName: 'Event Type Filter',
					name: 'eventTypes',
					type: 'string',
					default: '',
					placeholder: 'user.created, order.*',
					description: 'Comma-separated event_type values to pass on (a trailing * matches a prefix). Empty passes all.',
				},
				respondParameter(),
				commonOptions,
			],
		}),
		subtitle: '={{ $parameter["eventTypes"] ? "Events: " + $parameter["eventTypes"] : "All events" }}',
		icon: { light: 'file:eventWebhook.svg', dark: 'file:eventWebhook.dark.svg' },
	};

	webhookMethods = credentialCheckedWebhookMethods('eventWebhookApi', (ctx) => ctx.getNodeParameter('authentication') === 'apiKey');

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery(this, readEventWebhookSettings, receiveEventWebhook, { respondImmediately: respondImmediately(this) });
	}
}
