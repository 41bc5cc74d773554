import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { receivedSecretNotice, secretField } from './secretFields';

export class SynthesisVrWebhookApi implements ICredentialType {
	name = 'synthesisVrWebhookApi';

	displayName = 'SynthesisVR Webhook API';

	icon = { light: 'file:../nodes/SynthesisVrTrigger/synthesisVr.svg', dark: 'file:../nodes/SynthesisVrTrigger/synthesisVr.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#synthesisvr-trigger';

	properties: INodeProperties[] = [
		receivedSecretNotice('SynthesisVR'),
		secretField({
			displayName: 'Shared Token',
			name: 'token',
			description:
				'A long random value you also put in the webhook URL you give SynthesisVR (as ?token=...) or in a header. SynthesisVR signs nothing, so this token is what proves a delivery came from your account.',
		}),
	];
}
