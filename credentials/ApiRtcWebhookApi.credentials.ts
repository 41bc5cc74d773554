import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';

export class ApiRtcWebhookApi implements ICredentialType {
	name = 'apiRtcWebhookApi';

	displayName = 'ApiRTC Webhook API';

	icon = { light: 'file:../nodes/ApiRtcTrigger/apiRtc.svg', dark: 'file:../nodes/ApiRtcTrigger/apiRtc.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#apirtc-trigger';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret shared with ApiRTC, not a login: there is no service n8n could test it against. Its format is checked when a trigger listens for a test event and when the workflow is published; a wrong value shows up as refused deliveries (401, in n8n\'s log).',
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
			description: 'The custom HTTP header you add in the ApiRTC console (Company → Settings → WebHooks)',
		},
		{
			displayName: 'Header Value (Secret)',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A long random value; ApiRTC sends it in that header with every webhook',
		},
		allowedDomainsProperty('the header'),
	];
}
