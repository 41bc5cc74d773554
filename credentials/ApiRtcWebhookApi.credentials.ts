import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';
import { receivedSecretNotice, secretField } from './secretFields';

export class ApiRtcWebhookApi implements ICredentialType {
	name = 'apiRtcWebhookApi';

	displayName = 'ApiRTC Webhook API';

	icon = { light: 'file:../nodes/ApiRtcTrigger/apiRtc.svg', dark: 'file:../nodes/ApiRtcTrigger/apiRtc.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#apirtc-trigger';

	properties: INodeProperties[] = [
		receivedSecretNotice('ApiRTC'),
		{
			displayName: 'Header Name',
			name: 'headerName',
			type: 'string',
			default: 'X-Webhook-Secret',
			required: true,
			description: 'The custom HTTP header you add in the ApiRTC console (Company → Settings → WebHooks)',
		},
		secretField({
			displayName: 'Header Value (Secret)',
			name: 'secret',
			description: 'A long random value; ApiRTC sends it in that header with every webhook',
		}),
		allowedDomainsProperty('the header'),
	];
}
