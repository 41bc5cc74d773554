import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';

export class EventWebhookApi implements ICredentialType {
	name = 'eventWebhookApi';

	displayName = 'Event Webhook API';

	icon = { light: 'file:../nodes/EventWebhookTrigger/eventWebhook.svg', dark: 'file:../nodes/EventWebhookTrigger/eventWebhook.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#event-webhook-trigger';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret shared with the sending system, not a login: there is no service n8n could test it against. Its format is checked when a trigger listens for a test event and when the workflow is published; a wrong value shows up as refused deliveries (401, in n8n\'s log).',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API key entered in the sending system\'s webhook settings',
		},
		{
			displayName: 'Previous API Key',
			name: 'previousApiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'While rotating: the old key, still accepted. Leave empty otherwise.',
		},
		allowedDomainsProperty('the API key'),
	];
}
