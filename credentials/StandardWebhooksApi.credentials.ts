import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';
import { secretField, secretNotice } from './secretFields';

export class StandardWebhooksApi implements ICredentialType {
	name = 'standardWebhooksApi';

	displayName = 'Standard Webhooks Signing Secret API';

	icon = { light: 'file:../nodes/SendWebhook/sendWebhook.svg', dark: 'file:../nodes/SendWebhook/sendWebhook.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#send-webhook';

	properties: INodeProperties[] = [
		secretNotice(
			'A signing secret for Send Webhook: there is no service n8n could test it against. Its format is checked when a workflow sends with it; a receiver that rejects the signature answers 401.',
		),
		secretField({
			displayName: 'Signing Secret',
			name: 'secret',
			placeholder: 'whsec_...',
			description:
				'whsec_ followed by base64 key bytes (the Standard Webhooks format). Give the receiver the same value. Generate one with: node -e "console.log(\'whsec_\'+require(\'crypto\').randomBytes(24).toString(\'base64\'))".',
		}),
		allowedDomainsProperty('a request signed with this secret'),
	];
}
