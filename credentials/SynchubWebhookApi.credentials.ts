import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';

export class SynchubWebhookApi implements ICredentialType {
	name = 'synchubWebhookApi';

	displayName = 'SYNCHUB Webhook (HMAC Secret) API';

	icon = { light: 'file:../nodes/SynchubTrigger/synchub.svg', dark: 'file:../nodes/SynchubTrigger/synchub.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#synchub-trigger';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret shared with SYNCHUB, not a login: there is no service n8n could test it against. Its format is checked when a trigger listens for a test event and when the workflow is published; a wrong value shows up as refused deliveries (401, in n8n\'s log).',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The secret entered on the SYNCHUB destination. Also used by Send Webhook to sign HMAC requests. For Standard Webhooks use the whsec_... form.',
		},
		{
			displayName: 'Previous Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'While rotating: the old secret, still accepted until every sender uses the new one. Leave empty otherwise.',
		},
		allowedDomainsProperty('a request signed with this secret'),
	];
}
