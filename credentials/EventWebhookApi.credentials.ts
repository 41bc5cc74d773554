import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';
import { previousSecretField, receivedSecretNotice, secretField } from './secretFields';

export class EventWebhookApi implements ICredentialType {
	name = 'eventWebhookApi';

	displayName = 'Event Webhook API';

	icon = { light: 'file:../nodes/EventWebhookTrigger/eventWebhook.svg', dark: 'file:../nodes/EventWebhookTrigger/eventWebhook.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#event-webhook-trigger';

	properties: INodeProperties[] = [
		receivedSecretNotice('the sending system'),
		secretField({
			displayName: 'API Key',
			name: 'apiKey',
			description: 'The API key entered in the sending system\'s webhook settings',
		}),
		previousSecretField('Previous API Key', 'previousApiKey', 'While rotating: the old key, still accepted. Leave empty otherwise.'),
		allowedDomainsProperty('the API key'),
	];
}
