import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { handleDelivery, readCommonOptions, readList, readTolerance, respondImmediately } from '../shared/n8n/trigger';
import { commonOptions, EMPTY_MEANS_ALL_HINT, RESPOND_WEBHOOKS, respondParameter, vendorTriggerDescription } from '../shared/n8n/triggerDescription';
import { hmacSchemeProperties, readHmacFields } from '../shared/n8n/hmacParameters';
import { credentialCheckedWebhookMethods } from '../shared/n8n/credentialTests';
import { getWebhookCredentials, rotatingSecrets } from '../shared/n8n/webhookCredentials';
import { receiveSynchub, type SynchubSettings } from './receive';
import type { SynchubVerification } from './verify';

const signed = { show: { verification: ['hmac'] } };

async function readSynchubSettings(ctx: IWebhookFunctions): Promise<SynchubSettings> {
	const mode = ctx.getNodeParameter('verification') as SynchubVerification['mode'];
	let verification: SynchubVerification = { mode: 'none' };
	if (mode !== 'none') {
		const credentials = await getWebhookCredentials(ctx, 'synchubWebhookApi');
		const secrets = rotatingSecrets(credentials);
		const toleranceSec = readTolerance(ctx);
		verification =
			mode === 'hmac'
				? { mode, secrets, toleranceSec, ...readHmacFields(ctx) }
				: { mode, secrets, toleranceSec };
	}
	return {
		...readCommonOptions(ctx),
		verification,
		kinds: readList(ctx, 'events'),
		outcome: ctx.getNodeParameter('outcome', 'any') as SynchubSettings['outcome'],
	};
}

export class SynchubTrigger implements INodeType {
	description: INodeTypeDescription = {
		...vendorTriggerDescription({
			displayName: 'SYNCHUB Trigger',
			name: 'synchubTrigger',
			description: 'Starts the workflow when SYNCHUB reports a completed sync run or insight population',
			credential: { name: 'synchubWebhookApi', shownWhen: { verification: ['hmac', 'auto', 'standardWebhooks'] } },
			webhooks: RESPOND_WEBHOOKS,
			panel: {
				sender: 'SYNCHUB',
				consoleSteps:
					'In SYNCHUB, open the endpoint (or insight) → Configure webhooks, add a destination with the URL and the secret of your credential, and press <i>Test payload</i>.',
			},
			setupNotice:
				'In SYNCHUB, open the endpoint (or insight) → Configure webhooks, add a destination with the production URL above and a secret, then press "Test payload". SYNCHUB has not published its signature header: if verification fails, choose Auto-Detect once and read meta.verification of the test item to pin the scheme.',
			properties: [
				{
					displayName: 'Verification',
					name: 'verification',
					type: 'options',
					options: [
						{ name: 'HMAC Signature', value: 'hmac', description: 'Check the signature header with the settings below' },
						{
							name: 'Auto-Detect HMAC',
							value: 'auto',
							description: 'To find the scheme, not for production: send a test payload, read meta.verification (header, algorithm, encoding, signed content), then pin them with HMAC Signature',
						},
						{ name: 'Standard Webhooks', value: 'standardWebhooks', description: 'Headers webhook-ID, webhook-timestamp and webhook-signature' },
						{ name: 'None', value: 'none', description: 'Accept unsigned deliveries (not recommended)' },
					],
					default: 'hmac',
				},
				...hmacSchemeProperties(
					signed,
					'Header with the send time (unix seconds, milliseconds or ISO-8601): deliveries outside the tolerance are rejected. Only with "Timestamp + Raw Body" is the time part of the signature (real replay protection); with "Raw Body" it is checked but not authenticated.',
				),
				{
					displayName: 'Tolerance (Seconds)',
					name: 'toleranceSeconds',
					type: 'number',
					typeOptions: { minValue: 0, maxValue: 86400 },
					default: 300,
					description: 'How far the timestamp may be from now, in either direction. 0 turns the check off.',
					displayOptions: { show: { verification: ['hmac', 'auto', 'standardWebhooks'] } },
				},
				{
					displayName: 'Event Filter',
					name: 'events',
					type: 'multiOptions',
					hint: EMPTY_MEANS_ALL_HINT,
					options: [
						{ name: 'Sync Run Completed', value: 'syncRunCompleted' },
						{ name: 'Insight Population Completed', value: 'insightPopulationCompleted' },
						{ name: 'Other', value: 'other', description: 'Payloads that are neither (kept for future event types)' },
					],
					default: [],
					description: 'Event kinds to pass on',
				},
				{
					displayName: 'Outcome',
					name: 'outcome',
					type: 'options',
					options: [
						{ name: 'Any', value: 'any' },
						{ name: 'Success Only', value: 'success' },
						{ name: 'Failure Only', value: 'failure' },
					],
					default: 'any',
					description: 'Pass on only successful or only failed runs (test payloads always pass)',
				},
				respondParameter(),
				commonOptions,
			],
		}),
		// Words a user reads: "HMAC SHA-256", not the option value "hmac".
		subtitle: '={{ ({ hmac: "HMAC " + ({ sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" })[$parameter["algorithm"]], auto: "Auto-detect HMAC (pin it once found)", standardWebhooks: "Standard Webhooks", none: "Unsigned" })[$parameter["verification"]] }}',
		icon: { light: 'file:synchub.svg', dark: 'file:synchub.dark.svg' },
	};

	webhookMethods = credentialCheckedWebhookMethods('synchubWebhookApi', (ctx) => ctx.getNodeParameter('verification') !== 'none');

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery(this, readSynchubSettings, receiveSynchub, { respondImmediately: respondImmediately(this) });
	}
}
