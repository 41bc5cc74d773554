import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';

/** A secret sent as it is in a header of the receiver's choice, named after no vendor (Send Webhook's *Custom Header Secret*). */
export class WebhookHeaderSecretApi implements ICredentialType {
	name = 'webhookHeaderSecretApi';

	displayName = 'Webhook Header Secret API';

	icon = { light: 'file:../nodes/SendWebhook/sendWebhook.svg', dark: 'file:../nodes/SendWebhook/sendWebhook.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#webhook-header-secret';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret the receiver expects in a header, not a login: there is no service n8n could test it against. A receiver that does not accept it answers 401 or 403.',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Header Name',
			name: 'headerName',
			type: 'string',
			default: 'X-Webhook-Secret',
			required: true,
			description: 'The header the receiver reads the secret from',
		},
		{
			displayName: 'Header Value (Secret)',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A long random value, sent as it is in that header with every request',
		},
		allowedDomainsProperty('the header'),
	];
}
