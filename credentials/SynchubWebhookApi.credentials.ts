import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';
import { previousSecretField, receivedSecretNotice, secretField } from './secretFields';

export class SynchubWebhookApi implements ICredentialType {
	name = 'synchubWebhookApi';

	displayName = 'SYNCHUB Webhook (HMAC Secret) API';

	icon = { light: 'file:../nodes/SynchubTrigger/synchub.svg', dark: 'file:../nodes/SynchubTrigger/synchub.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#synchub-trigger';

	properties: INodeProperties[] = [
		receivedSecretNotice('SYNCHUB'),
		secretField({
			displayName: 'Secret',
			name: 'secret',
			description:
				'The secret entered on the SYNCHUB destination. Also used by Send Webhook to sign HMAC requests. For Standard Webhooks use the whsec_... form.',
		}),
		previousSecretField(),
		allowedDomainsProperty('a request signed with this secret'),
	];
}
