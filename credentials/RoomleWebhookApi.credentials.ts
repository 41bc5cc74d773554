import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';

export class RoomleWebhookApi implements ICredentialType {
	name = 'roomleWebhookApi';

	displayName = 'Roomle Webhook API';

	icon = { light: 'file:../nodes/RoomleTrigger/roomle.svg', dark: 'file:../nodes/RoomleTrigger/roomle.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#roomle-trigger';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret shared with Roomle, not a login: there is no service n8n could test it against. Its format is checked when a trigger listens for a test event and when the workflow is published; a wrong value shows up as refused deliveries (401, in n8n\'s log).',
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
			description: 'The api key Roomle gave you, also entered in the Roomle tenant settings',
		},
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret paired with the api key (16, 24 or 32 characters: the AES key)',
		},
		allowedDomainsProperty('a Roomle token'),
	];
}
