import type {
	ICredentialDataDecryptedObject,
	IHookFunctions,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { credentialCheckedWebhookMethods, thrownMessage } from '../shared/n8n/credentialTests';
import { hmacSchemeProperties, readHmacFields } from '../shared/n8n/hmacParameters';
import { handleDelivery, readCommaSeparated, readCommonOptions, readTolerance, respondImmediately } from '../shared/n8n/trigger';
import { commonOptions, RESPOND_WEBHOOKS, respondParameter, vendorTriggerDescription } from '../shared/n8n/triggerDescription';
import { getWebhookCredentials, rotatingSecrets } from '../shared/n8n/webhookCredentials';
import { standardWebhooksKey } from '../shared/standardWebhooks';
import { receiveSignedWebhook, type SignedWebhookSettings, type SignedWebhookVerification } from './receive';
import { type CustomEventTypeSource, type SignedWebhookPreset, signedWebhookPreset } from './schema';

const CREDENTIAL = 'webhookHmacSecretApi';
const custom = { show: { preset: ['custom'] } };

/** What to do in each sender's console: the node's notice and its trigger panel. */
const CONSOLE_STEPS: Record<SignedWebhookPreset, { label: string; steps: string }> = {
	github: {
		label: 'GitHub',
		steps: 'repository or organisation → Settings → Webhooks → Add webhook: the URL, content type application/json, the secret of your credential, the events you want.',
	},
	stripe: {
		label: 'Stripe',
		steps: 'Dashboard → Developers → Webhooks → Add destination: the URL and the events; put its signing secret (whsec_…) in the credential.',
	},
	shopify: {
		label: 'Shopify',
		steps: 'Settings → Notifications → Webhooks → Create webhook (JSON) and copy the signing key shown there, or an app subscription signed with the app’s client secret.',
	},
	slack: {
		label: 'Slack',
		steps: 'api.slack.com/apps → your app: Basic Information → Signing Secret into the credential; paste the URL under Event Subscriptions (its challenge is answered for you), Slash Commands or Interactivity.',
	},
	standardWebhooks: {
		label: 'Standard Webhooks',
		steps: 'the sender’s webhook settings (Svix, Resend, Clerk, …): add an endpoint with the URL and put its signing secret (whsec_…) in the credential.',
	},
	custom: {
		label: 'Custom HMAC',
		steps: 'the sender’s webhook settings: the URL and a shared secret; then set the header, algorithm, encoding, prefix and signed content it documents.',
	},
};

const setupNotices: INodeProperties[] = Object.entries(CONSOLE_STEPS).map(([preset, { label, steps }]) => ({
	displayName: `${label}: ${steps} Use the production URL above.`,
	name: 'setupNotice',
	type: 'notice',
	default: '',
	displayOptions: { show: { preset: [preset] } },
}));

const TRIGGER_PANEL_STEPS = Object.values(CONSOLE_STEPS)
	.map(({ label, steps }) => `<b>${label}</b>: ${steps}`)
	.join('<br />');

const eventTypeProperties: INodeProperties[] = [
	{
		displayName: 'Event Type From',
		name: 'eventTypeSource',
		type: 'options',
		options: [
			{ name: 'Nowhere', value: 'none', description: 'Every item has meta.eventType "unknown"' },
			{ name: 'A Header', value: 'header' },
			{ name: 'A JSON Field', value: 'field' },
		],
		default: 'none',
		description: 'Where the sender names the kind of event, for meta.eventType and the Event Filter',
		displayOptions: custom,
	},
	{
		displayName: 'Event Type Header',
		name: 'eventTypeHeader',
		type: 'string',
		default: '',
		placeholder: 'x-event-type',
		displayOptions: { show: { preset: ['custom'], eventTypeSource: ['header'] } },
	},
	{
		displayName: 'Event Type Field',
		name: 'eventTypeField',
		type: 'string',
		default: 'type',
		placeholder: 'data.event',
		description: 'A field of the JSON body; a dotted path reaches into objects',
		displayOptions: { show: { preset: ['custom'], eventTypeSource: ['field'] } },
	},
	{
		displayName: 'Event Filter',
		name: 'eventTypes',
		type: 'string',
		default: '',
		placeholder: 'push, pull_request.opened, customer.*',
		description:
			'Comma-separated event types to pass on; a trailing * matches a prefix. Empty passes all. GitHub: X-GitHub-Event or event.action (issues.opened); Stripe and Standard Webhooks: the body\'s type; Shopify: X-Shopify-Topic (orders/create); Slack: the event\'s type (app_mention), an interaction\'s type (block_actions) or slash_command.',
	},
];

/** The preset's verification settings, from the node's parameters and its credential's secrets. */
function readVerification(ctx: IWebhookFunctions, preset: SignedWebhookPreset, secrets: string[]): SignedWebhookVerification {
	// A preset that signs no time never uses the tolerance (its field is hidden).
	const toleranceSec = readTolerance(ctx);
	return preset === 'custom' ? { preset, secrets, toleranceSec, ...readHmacFields(ctx) } : { preset, secrets, toleranceSec };
}

function readCustomEventType(ctx: IWebhookFunctions): CustomEventTypeSource | undefined {
	const source = ctx.getNodeParameter('eventTypeSource', 'none');
	if (source !== 'header' && source !== 'field') return undefined;
	const name = String(ctx.getNodeParameter(source === 'header' ? 'eventTypeHeader' : 'eventTypeField', '') ?? '').trim();
	if (name === '') return undefined;
	return source === 'header' ? { from: 'header', name } : { from: 'field', path: name };
}

async function readSignedWebhookSettings(ctx: IWebhookFunctions): Promise<SignedWebhookSettings> {
	const preset = signedWebhookPreset(ctx.getNodeParameter('preset'));
	const credentials = await getWebhookCredentials(ctx, CREDENTIAL);
	const secrets = rotatingSecrets(credentials);
	return {
		...readCommonOptions(ctx),
		verification: readVerification(ctx, preset, secrets),
		customEventType: preset === 'custom' ? readCustomEventType(ctx) : undefined,
		eventTypes: readCommaSeparated(ctx, 'eventTypes'),
	};
}

/** Standard Webhooks secrets are `whsec_<base64>`: named when the editor listens or the workflow is published. */
function standardWebhooksSecretProblem(ctx: IHookFunctions, data: ICredentialDataDecryptedObject): string | undefined {
	if (ctx.getNodeParameter('preset') !== 'standardWebhooks') return undefined;
	for (const secret of rotatingSecrets(data)) {
		const problem = secret.trim() === '' ? undefined : thrownMessage(() => standardWebhooksKey(secret));
		if (problem) return problem;
	}
	return undefined;
}

export class SignedWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		...vendorTriggerDescription({
			displayName: 'Signed Webhook Trigger',
			name: 'signedWebhookTrigger',
			description: 'Starts the workflow on a webhook signed by GitHub, Stripe, Shopify, Slack, a Standard Webhooks sender or any HMAC sender',
			// Always required: a signature trigger without a secret would accept anyone (fail closed).
			credential: { name: CREDENTIAL },
			webhooks: RESPOND_WEBHOOKS,
			panel: { sender: 'the sender', consoleSteps: `In the sender’s console:<br />${TRIGGER_PANEL_STEPS}<br />` },
			properties: [
				{
					displayName: 'Preset',
					name: 'preset',
					type: 'options',
					options: [
						{ name: 'Custom HMAC', value: 'custom', description: 'Every HMAC setting by hand' },
						{ name: 'GitHub', value: 'github', description: 'X-Hub-Signature-256: sha256=&lt;hex&gt; of the body; no signed time' },
						{ name: 'Shopify', value: 'shopify', description: 'X-Shopify-Hmac-Sha256: base64 of the body; no signed time' },
						{ name: 'Slack', value: 'slack', description: 'X-Slack-Signature: v0=&lt;hex&gt; of v0:time:body, X-Slack-Request-Timestamp' },
						{
							name: 'Standard Webhooks (Svix, Resend, Clerk, …)',
							value: 'standardWebhooks',
							description: 'Webhook-ID, webhook-timestamp, webhook-signature: v1,&lt;base64&gt;; whsec_ secret',
						},
						{ name: 'Stripe', value: 'stripe', description: 'Stripe-Signature: t=&lt;time&gt;,v1=&lt;hex&gt; of time.body' },
					],
					default: 'github',
					description: 'How the sender signs its deliveries: its published scheme, or your own settings',
				},
				...setupNotices,
				...hmacSchemeProperties(
					custom,
					'Header with the send time (unix seconds, milliseconds or ISO-8601): deliveries outside the tolerance are refused. Only with "Timestamp + Raw Body" is the time part of the signature (real replay protection); with "Raw Body" it is checked but not authenticated.',
					{ signatureHeader: 'x-signature', timestampHeaderPlaceholder: 'x-timestamp' },
				),
				{
					displayName: 'Tolerance (Seconds)',
					name: 'toleranceSeconds',
					type: 'number',
					typeOptions: { minValue: 0, maxValue: 86400 },
					// What Stripe, Slack and the Standard Webhooks libraries use (SIGNATURE_PRESETS).
					default: 300,
					description: 'How far the signed time may be from now, in either direction. 0 turns the check off.',
					displayOptions: { show: { preset: ['standardWebhooks', 'stripe', 'slack', 'custom'] } },
				},
				...eventTypeProperties,
				respondParameter(),
				commonOptions,
			],
		}),
		subtitle:
			'={{ $parameter["preset"] === "custom" ? "Custom HMAC " + ({ sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" })[$parameter["algorithm"]] : ({ standardWebhooks: "Standard Webhooks", github: "GitHub", stripe: "Stripe", shopify: "Shopify", slack: "Slack" })[$parameter["preset"]] }}',
		icon: { light: 'file:signedWebhook.svg', dark: 'file:signedWebhook.dark.svg' },
	};

	webhookMethods = credentialCheckedWebhookMethods(CREDENTIAL, () => true, standardWebhooksSecretProblem);

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery(this, readSignedWebhookSettings, receiveSignedWebhook, { respondImmediately: respondImmediately(this) });
	}
}
