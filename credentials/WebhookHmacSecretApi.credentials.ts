import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { allowedDomainsProperty } from './allowedDomains';

/**
 * A shared HMAC signing secret, named after no vendor: the Signed Webhook Trigger verifies with
 * it (GitHub, Stripe, Shopify, Slack, Standard Webhooks or a custom scheme) and Send Webhook signs
 * with it.
 */
export class WebhookHmacSecretApi implements ICredentialType {
	name = 'webhookHmacSecretApi';

	displayName = 'Webhook HMAC Secret API';

	icon = { light: 'file:../nodes/SendWebhook/sendWebhook.svg', dark: 'file:../nodes/SendWebhook/sendWebhook.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#webhook-hmac-secret';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret shared with the other side of a webhook, not a login: there is no service n8n could test it against. A wrong value shows up as refused deliveries (401, in n8n\'s log) or as a receiver answering 401.',
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
				"The webhook's signing secret as the sender shows it (GitHub's webhook secret, Stripe's whsec_..., Shopify's app secret, Slack's signing secret; whsec_<base64> for Standard Webhooks)",
		},
		{
			displayName: 'Previous Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'While rotating: the old secret, still accepted until every sender uses the new one. Leave empty otherwise.',
		},
		allowedDomainsProperty('a request signed with this secret'),
	];
}
