import type { ICredentialType, INodeProperties } from 'n8n-workflow';

export class SynthesisVrWebhookApi implements ICredentialType {
	name = 'synthesisVrWebhookApi';

	displayName = 'SynthesisVR Webhook API';

	icon = { light: 'file:../nodes/SynthesisVrTrigger/synthesisVr.svg', dark: 'file:../nodes/SynthesisVrTrigger/synthesisVr.dark.svg' } as const;

	documentationUrl = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks#synthesisvr-trigger';

	properties: INodeProperties[] = [
		{
			displayName:
				'A secret shared with SynthesisVR, not a login: there is no service n8n could test it against. Its format is checked when a trigger listens for a test event and when the workflow is published; a wrong value shows up as refused deliveries (401, in n8n\'s log).',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Shared Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A long random value you also put in the webhook URL you give SynthesisVR (as ?token=...) or in a header. SynthesisVR signs nothing, so this token is what proves a delivery came from your account.',
		},
	];
}
