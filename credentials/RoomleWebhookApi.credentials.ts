import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';
import { receivedSecretNotice, secretField } from './secretFields';

export class RoomleWebhookApi implements ICredentialType {
	name = 'roomleWebhookApi';

	displayName = 'Roomle Webhook API';

	icon = { light: 'file:../nodes/RoomleTrigger/roomle.svg', dark: 'file:../nodes/RoomleTrigger/roomle.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#roomle-trigger';

	properties: INodeProperties[] = [
		receivedSecretNotice('Roomle'),
		secretField({
			displayName: 'API Key',
			name: 'apiKey',
			description:
				'The api key Roomle gave you, also entered in the Roomle tenant settings',
		}),
		secretField({
			displayName: 'Secret',
			name: 'secret',
			description:
				'The secret paired with the api key (16, 24 or 32 characters: the AES key)',
		}),
		allowedDomainsProperty('a Roomle token'),
	];
}
