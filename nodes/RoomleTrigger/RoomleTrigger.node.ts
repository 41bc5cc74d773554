import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { handleDelivery, readCommonOptions, readList, readTolerance, respondImmediately } from '../shared/n8n/trigger';
import {
	authenticationParameter,
	commonOptions,
	EMPTY_MEANS_ALL_HINT,
	RESPOND_WEBHOOKS,
	respondParameter,
	vendorTriggerDescription,
} from '../shared/n8n/triggerDescription';
import { credentialCheckedWebhookMethods } from '../shared/n8n/credentialTests';
import { getWebhookCredentials } from '../shared/n8n/webhookCredentials';
import type { RoomleCbcIv } from '../shared/roomleToken';
import { ROOMLE_EVENTS } from './schema';
import { receiveRoomle, type RoomleSettings } from './receive';

async function readRoomleSettings(ctx: IWebhookFunctions): Promise<RoomleSettings> {
	const settings: RoomleSettings = { ...readCommonOptions(ctx), events: readList(ctx, 'events') };
	if (ctx.getNodeParameter('authentication') === 'token') {
		const credentials = await getWebhookCredentials(ctx, 'roomleWebhookApi');
		settings.token = {
			headerName: ctx.getNodeParameter('headerName') as string,
			apiKey: String(credentials.apiKey ?? ''),
			secret: String(credentials.secret ?? ''),
			toleranceSec: readTolerance(ctx),
			cbcIv: ctx.getNodeParameter('cbcIv', 'auto') as RoomleCbcIv,
		};
	}
	return settings;
}

export class RoomleTrigger implements INodeType {
	description: INodeTypeDescription = {
		...vendorTriggerDescription({
			displayName: 'Roomle Trigger',
			name: 'roomleTrigger',
			description: 'Starts the workflow when a Roomle configurator sends an email event (save, share, AR link, 3D export)',
			credential: { name: 'roomleWebhookApi', shownWhen: { authentication: ['token'] } },
			// Roomle sends its own email when the answer is 300 or more. "After the workflow" answers
			// only once the workflow has finished: a failed workflow answers 500 and Roomle takes over.
			webhooks: RESPOND_WEBHOOKS,
			panel: {
				sender: 'Roomle',
				consoleSteps:
					'In Roomle, set the URL as the tenant webhook URL and enter the API key Roomle gave you in the tenant settings (it makes the token verifiable).',
			},
			setupNotice:
				'Set the production URL above as the webhook URL of your Roomle tenant, and enter the api key Roomle gave you in the tenant settings (without it, Roomle signs with a default secret and the token proves nothing).',
			properties: [
				authenticationParameter(
					{ name: 'Token', value: 'token', description: 'Decrypt and check the token header with your api key and secret' },
					'Accept deliveries without checking the token',
				),
				{
					displayName: 'Token Header Name',
					name: 'headerName',
					type: 'string',
					default: 'token',
					description: 'Roomle has not published the header name; "token" is the documented default of its API',
					displayOptions: { show: { authentication: ['token'] } },
				},
				{
					displayName: 'Tolerance (Seconds)',
					name: 'toleranceSeconds',
					type: 'number',
					typeOptions: { minValue: 0, maxValue: 86400 },
					default: 300,
					description: 'How far the token time may be from now, in either direction. 0 turns the check off.',
					displayOptions: { show: { authentication: ['token'] } },
				},
				{
					displayName: 'IV for 01 (CBC) Tokens',
					name: 'cbcIv',
					type: 'options',
					options: [
						{
							name: 'Zero IV or Key as IV',
							value: 'auto',
							description: 'Roomle has not published its IV: either fixed IV is accepted, and meta.verification.iv says which',
						},
						{
							name: 'Prefixed to the Token (Weaker)',
							value: 'prefixed',
							description:
								'First 16 bytes are the IV. The sender then chooses the IV, so anyone holding one old token can re-date and replay it.',
						},
					],
					default: 'auto',
					displayOptions: { show: { authentication: ['token'] } },
				},
				respondParameter({
					default: 'lastNode',
					onReceived: { name: 'Immediately', description: 'Answer 200 at once: Roomle never sends its own email, your workflow must' },
					lastNode: {
						name: 'After the Workflow (Roomle Email as Fallback)',
						description:
							'Answer when the workflow has finished: if it fails, the answer is an error and Roomle sends its own email instead',
					},
				}),
				{
					displayName: 'Event Filter',
					name: 'events',
					type: 'multiOptions',
					hint: EMPTY_MEANS_ALL_HINT,
					options: ROOMLE_EVENTS.map((event) => ({ name: event, value: event })),
					default: [],
					description: 'Events to pass on. Filtered events are answered 200, so Roomle sends no email for them.',
				},
				commonOptions,
			],
		}),
		subtitle: '={{$parameter["respond"] === "lastNode" ? "Roomle email as fallback" : "Acknowledge at once"}}',
		icon: { light: 'file:roomle.svg', dark: 'file:roomle.dark.svg' },
	};

	webhookMethods = credentialCheckedWebhookMethods('roomleWebhookApi', (ctx) => ctx.getNodeParameter('authentication') === 'token');

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		// Roomle answers a failure with its own email, never a retry: a copy is always a replay.
		return await handleDelivery(this, readRoomleSettings, receiveRoomle, { respondImmediately: respondImmediately(this), senderRetries: false });
	}
}
