import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { GENERIC_CREDENTIALS_VERSION, HMAC_PRESET_SIGNINGS, sendWebhookProperties } from './description';
import { executeSendWebhook } from './execute';

const VERSIONS = [1, 1.1, 1.2, 1.3];

/**
 * Sends webhooks with the signing schemes the package's triggers verify. HTTP goes through the
 * package's own undici sender (nodes/shared/sender), not this.helpers.httpRequest: it needs
 * per-phase timeouts, no redirects, per-request retries and connect-time address checks. n8n's
 * egress policy (this.helpers.getSecureEgressFilter, n8n 2.x) is applied by that sender too.
 */
export class SendWebhook implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Send Webhook',
		name: 'sendWebhook',
		icon: { light: 'file:sendWebhook.svg', dark: 'file:sendWebhook.dark.svg' },
		group: ['output'],
		// 1.1: Concurrency defaults to 40 (max 100) instead of 4 (max 50); 1 keeps 4 (see description.ts).
		// 1.2: number options outside the bounds the editor shows fail the node (naming the option)
		// instead of being clamped (Concurrency) or used as given; 1 and 1.1 keep their behaviour.
		// 1.3: HMAC and custom-header signing take a credential named after no vendor (Webhook HMAC
		// Secret, Webhook Header Secret) unless Credential Type picks the SYNCHUB or ApiRTC one, which
		// earlier versions keep using (GENERIC_CREDENTIALS_VERSION in description.ts); Signing adds
		// the GitHub, Stripe, Shopify and Slack presets, signed with a Webhook HMAC Secret.
		version: VERSIONS,
		defaultVersion: 1.3,
		// Words a user reads ("API key header"), not the option value ("apiKey").
		subtitle:
			'={{ ({ none: "Unsigned", hmac: "HMAC signature", standardWebhooks: "Standard Webhooks", roomleToken: "Roomle token", apiKey: "API key header", customHeader: "Custom header secret", github: "GitHub signature", stripe: "Stripe signature", shopify: "Shopify signature", slack: "Slack signature" })[$parameter["signing"]] }}',
		description: 'Send signed webhooks (HMAC, Standard Webhooks, GitHub, Stripe, Shopify, Slack, Roomle token, API key) with retries and strict timeouts',
		defaults: { name: 'Send Webhook' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Credential Type (signingCredential) exists from 1.3 only, and only for HMAC and custom
		// header. Before 1.3 it is absent: the vendor credentials show (nothing hides them) and the
		// generic ones do not (the version, or nothing showing them). The presets (from 1.3) have no
		// Credential Type: their Webhook HMAC Secret shows because nothing hides it.
		credentials: [
			{
				name: 'webhookHmacSecretApi',
				required: true,
				displayOptions: {
					// A credential's '@version' takes version numbers, not conditions.
					show: { signing: ['hmac', ...HMAC_PRESET_SIGNINGS], '@version': VERSIONS.filter((version) => version >= GENERIC_CREDENTIALS_VERSION) },
					hide: { signingCredential: ['vendor'] },
				},
			},
			{ name: 'synchubWebhookApi', required: true, displayOptions: { show: { signing: ['hmac'] }, hide: { signingCredential: ['generic'] } } },
			{ name: 'standardWebhooksApi', required: true, displayOptions: { show: { signing: ['standardWebhooks'] } } },
			{ name: 'roomleWebhookApi', required: true, displayOptions: { show: { signing: ['roomleToken'] } } },
			{ name: 'eventWebhookApi', required: true, displayOptions: { show: { signing: ['apiKey'] } } },
			{ name: 'webhookHeaderSecretApi', required: true, displayOptions: { show: { signing: ['customHeader'], signingCredential: ['generic'] } } },
			{ name: 'apiRtcWebhookApi', required: true, displayOptions: { show: { signing: ['customHeader'] }, hide: { signingCredential: ['generic'] } } },
		],
		properties: sendWebhookProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeSendWebhook(this);
	}
}
