/**
 * Allowed Domains on the signing credentials, in real in-process workflow runs against real
 * 127.0.0.1 servers: every credential type Send Webhook signs with refuses a host outside its
 * list (NodeOperationError naming the item and the host, never the secret, nothing sent), an
 * empty list keeps today's behaviour, and the triggers and credential tests ignore the field.
 */
import type { ICredentialDataDecryptedObject, IHookFunctions, INode } from 'n8n-workflow';

import { credentialCheckedWebhookMethods } from '../../nodes/shared/n8n/credentialTests';

import { ApiRtcWebhookApi } from '../../credentials/ApiRtcWebhookApi.credentials';
import { EventWebhookApi } from '../../credentials/EventWebhookApi.credentials';
import { RoomleWebhookApi } from '../../credentials/RoomleWebhookApi.credentials';
import { StandardWebhooksApi } from '../../credentials/StandardWebhooksApi.credentials';
import { SynchubWebhookApi } from '../../credentials/SynchubWebhookApi.credentials';
import { SynthesisVrWebhookApi } from '../../credentials/SynthesisVrWebhookApi.credentials';
import { WebhookHeaderSecretApi } from '../../credentials/WebhookHeaderSecretApi.credentials';
import { WebhookHmacSecretApi } from '../../credentials/WebhookHmacSecretApi.credentials';
import { ApiRtcTrigger } from '../../nodes/ApiRtcTrigger/ApiRtcTrigger.node';
import { EventWebhookTrigger } from '../../nodes/EventWebhookTrigger/EventWebhookTrigger.node';
import { RoomleTrigger } from '../../nodes/RoomleTrigger/RoomleTrigger.node';
import { SynchubTrigger } from '../../nodes/SynchubTrigger/SynchubTrigger.node';
import { runTriggerWorkflow } from '../helpers/n8n';
import { outputOf, replay, send, useReceiver } from './helpers';

const LOCAL = { blockPrivateAddresses: false };

/**
 * Every credential Send Webhook signs with, with the parameters that pick it, and secrets that
 * must never show up in an error. HMAC and custom header have two: the generic one (the default
 * from version 1.3) and the vendor one (Credential Type "vendor").
 */
const SCHEMES = [
	{ signing: 'hmac', type: 'webhookHmacSecretApi', data: { secret: 'policy-hmac-secret-0123456789', previousSecret: '' }, secret: 'policy-hmac-secret-0123456789' },
	{ signing: 'hmac', signingCredential: 'vendor', type: 'synchubWebhookApi', data: { secret: 'policy-hmac-secret-0123456789', previousSecret: '' }, secret: 'policy-hmac-secret-0123456789' },
	{ signing: 'standardWebhooks', type: 'standardWebhooksApi', data: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
	{ signing: 'roomleToken', type: 'roomleWebhookApi', data: { apiKey: 'policyRoomleKey', secret: 'a-Secr3t_Str1ng!' }, secret: 'a-Secr3t_Str1ng!' },
	{ signing: 'apiKey', type: 'eventWebhookApi', data: { apiKey: 'policy-event-api-key-0123456789', previousApiKey: '' }, secret: 'policy-event-api-key-0123456789' },
	{ signing: 'customHeader', type: 'webhookHeaderSecretApi', data: { headerName: 'X-Webhook-Secret', secret: 'policy-header-secret-0123456789' }, secret: 'policy-header-secret-0123456789' },
	{ signing: 'customHeader', signingCredential: 'vendor', type: 'apiRtcWebhookApi', data: { headerName: 'X-Webhook-Secret', secret: 'policy-apirtc-secret-0123456789' }, secret: 'policy-apirtc-secret-0123456789' },
] as const;

/** The parameters that pick a row's credential. */
const signingOf = (row: (typeof SCHEMES)[number]) => ({ signing: row.signing, ...('signingCredential' in row ? { signingCredential: row.signingCredential } : {}) });

const receiver = useReceiver();

/**
 * The credential check the triggers run on listen and publish (credentialCheckedWebhookMethods),
 * for a credential of `type` in use: undefined when it passes, else the error message.
 */
async function credentialCheck(type: string, data: ICredentialDataDecryptedObject): Promise<string | undefined> {
	const ctx = {
		getNode: () => ({ name: 'Trigger', type: 'test.trigger' }) as unknown as INode,
		getCredentials: async () => data,
	} as unknown as IHookFunctions;
	return await credentialCheckedWebhookMethods(type, () => true)
		.default.checkExists.call(ctx)
		.then(
			() => undefined,
			(error: Error) => error.message,
		);
}

describe('the credentials', () => {
	it.each([
		['synchubWebhookApi', new SynchubWebhookApi()],
		['standardWebhooksApi', new StandardWebhooksApi()],
		['roomleWebhookApi', new RoomleWebhookApi()],
		['eventWebhookApi', new EventWebhookApi()],
		['apiRtcWebhookApi', new ApiRtcWebhookApi()],
		['webhookHmacSecretApi', new WebhookHmacSecretApi()],
		['webhookHeaderSecretApi', new WebhookHeaderSecretApi()],
	])('%s has an optional Allowed Domains field, empty by default', (_name, credential) => {
		const field = credential.properties.find((p) => p.name === 'allowedDomains');
		expect(field).toMatchObject({ displayName: 'Allowed Domains', type: 'string', default: '' });
		expect(field?.required).toBeFalsy();
		expect(field?.description).toContain('Send Webhook only');
	});

	it('the receive-only SynthesisVR credential (never used to send) has none', () => {
		expect(new SynthesisVrWebhookApi().properties.some((p) => p.name === 'allowedDomains')).toBe(false);
	});

	it.each(SCHEMES)('the credential check of $type accepts a valid list and names a bad entry', async ({ type, data }) => {
		expect(await credentialCheck(type, { ...data, allowedDomains: 'partner.example.com, *.example.com' })).toBeUndefined();
		expect(await credentialCheck(type, { ...data, allowedDomains: 'partner.example.com, https://evil.example/' })).toContain('https://evil.example/');
	});
});

describe('Send Webhook refuses hosts outside the credential\'s Allowed Domains', () => {
	it.each(SCHEMES)('$signing with $type: NodeOperationError naming item and host, no secret, nothing sent', async (row) => {
		const { type, data, secret } = row;
		const credentials = { [type]: { ...data, allowedDomains: 'partner.example.com, *.example.com' } as ICredentialDataDecryptedObject };
		const result = await send({
			parameters: { url: `${receiver.server.url}?token=query-secret`, ...signingOf(row), options: LOCAL },
			credentials,
			items: [{ n: 0 }],
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(
			`Item 0: 127.0.0.1:${receiver.server.port} is not in the credential's Allowed Domains (partner.example.com, *.example.com); nothing was sent`,
		);
		// Nothing n8n recorded carries the secret (the URL is in the recorded node parameters, not in the message).
		expect(JSON.stringify(result.runData)).not.toContain(secret);
		expect(result.error?.message).not.toContain('query-secret');
		expect(receiver.server.requests).toHaveLength(0);
		expect(receiver.server.connections()).toBe(0);
	});

	it('the item named is the one whose URL is refused; with Continue On Fail the others still go out', async () => {
		const credentials = { eventWebhookApi: { apiKey: 'policy-event-api-key-0123456789', allowedDomains: '127.0.0.1' } };
		const url = `={{ $json.host === 'allowed' ? '${receiver.server.url}' : 'http://hooks.evil.test:${receiver.server.port}/hook' }}`;
		const items = [{ host: 'allowed' }, { host: 'evil' }, { host: 'allowed' }];

		const stopped = await send({ parameters: { url, signing: 'apiKey', options: LOCAL }, credentials, items });
		expect(stopped.error?.message).toMatch(/^Item 1: hooks\.evil\.test:\d+ is not in the credential's Allowed Domains \(127\.0\.0\.1\)/);

		receiver.server.requests.length = 0;
		const continued = await send({ parameters: { url, signing: 'apiKey', options: { ...LOCAL, concurrency: 1 } }, credentials, items, continueOnFail: true });
		const output = outputOf(continued);
		expect(output.map((item) => item.ok)).toEqual([true, false, true]);
		expect(output[1]).toMatchObject({ status: null, attempts: 0, error: { code: 'domain_not_allowed' } });
		expect(receiver.server.requests).toHaveLength(2);
	});

	it('a listed host (IP entry, port entry, wildcard) is delivered; an empty list allows any host, as before', async () => {
		const base = { apiKey: 'policy-event-api-key-0123456789' };
		for (const allowedDomains of ['127.0.0.1', `127.0.0.1:${receiver.server.port}`, 'partner.example.com 127.0.0.1', '', '  ']) {
			const output = outputOf(
				await send({ parameters: { url: receiver.server.url, signing: 'apiKey', options: LOCAL }, credentials: { eventWebhookApi: { ...base, allowedDomains } }, items: [{}] }),
			);
			expect(output[0]).toMatchObject({ ok: true, status: 200 });
		}
		// Saved credentials from before the field existed have no such key at all.
		const legacy = outputOf(await send({ parameters: { url: receiver.server.url, signing: 'apiKey', options: LOCAL }, credentials: { eventWebhookApi: base }, items: [{}] }));
		expect(legacy[0].ok).toBe(true);
		expect(receiver.server.requests).toHaveLength(6);
	});

	it('batch mode: one refusal for the request, naming its first item', async () => {
		const credentials = { webhookHeaderSecretApi: { headerName: 'x-webhook-token', secret: 'policy-header-secret-0123456789', allowedDomains: '*.example.com' } };
		const result = await send({ parameters: { url: receiver.server.url, mode: 'batch', signing: 'customHeader', options: LOCAL }, credentials, items: [{}, {}, {}] });
		expect(result.error?.message).toMatch(/^Item 0: 127\.0\.0\.1:\d+ is not in the credential's Allowed Domains/);
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('a malformed list is a configuration error naming the entry (not the secret), before anything is sent', async () => {
		const credentials = { webhookHmacSecretApi: { secret: 'policy-hmac-secret-0123456789', allowedDomains: 'example.com, https://partner.example.com/hooks' } };
		const result = await send({ parameters: { url: receiver.server.url, signing: 'hmac', options: LOCAL }, credentials, items: [{}] });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(
			'The credential\'s Allowed Domains: "https://partner.example.com/hooks" is a URL, not a domain: write example.com or *.example.com (optionally :port)',
		);
		expect(JSON.stringify(result.runData)).not.toContain('policy-hmac-secret');
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('Signing None uses no credential: nothing restricts it', async () => {
		const output = outputOf(await send({ parameters: { url: receiver.server.url, signing: 'none', options: LOCAL }, items: [{}] }));
		expect(output[0].ok).toBe(true);
	});
});

describe('the triggers ignore Allowed Domains (it is send-side only)', () => {
	const list = { allowedDomains: '127.0.0.1, partner.example.com' };

	it('SYNCHUB (HMAC): signed with the listed credential, verified by the trigger with the same credential', async () => {
		const credentials = { synchubWebhookApi: { secret: 'policy-hmac-secret-0123456789', previousSecret: '', ...list } };
		const parameters = { url: receiver.server.url, signing: 'hmac', signingCredential: 'vendor', options: LOCAL };
		outputOf(await send({ parameters, credentials, items: [{ event: 'sync.run.completed', id: 'r1', status: 'ok' }] }));
		const result = await runTriggerWorkflow({ node: new SynchubTrigger(), parameters: {}, credentials, request: replay(receiver.server.requests[0]) });
		expect(result).toMatchObject({ status: 200, executed: true });
	});

	it('Standard Webhooks → SYNCHUB Trigger (standardWebhooks verification)', async () => {
		const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
		outputOf(
			await send({ parameters: { url: receiver.server.url, signing: 'standardWebhooks', options: LOCAL }, credentials: { standardWebhooksApi: { secret, ...list } }, items: [{ event: 'insight.population.completed', id: 'i1' }] }),
		);
		const result = await runTriggerWorkflow({
			node: new SynchubTrigger(),
			parameters: { verification: 'standardWebhooks' },
			credentials: { synchubWebhookApi: { secret, previousSecret: '', ...list } },
			request: replay(receiver.server.requests[0]),
		});
		expect(result).toMatchObject({ status: 200, executed: true });
	});

	it('Roomle token → Roomle Trigger', async () => {
		const credentials = { roomleWebhookApi: { apiKey: 'policyRoomleKey', secret: 'a-Secr3t_Str1ng!', ...list } };
		const share = { event: 'email.shareConfiguration', data: { success: true, email: 'buyer@example.com', configurationId: 'c1', configuratorId: 'x', url: 'https://roomle.example/c/1' } };
		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'roomleToken', options: LOCAL }, credentials, items: [share] }));
		const result = await runTriggerWorkflow({ node: new RoomleTrigger(), parameters: {}, credentials, request: replay(receiver.server.requests[0]) });
		expect(result).toMatchObject({ status: 200, executed: true });
	});

	it('API key → Event Webhook Trigger', async () => {
		const credentials = { eventWebhookApi: { apiKey: 'policy-event-api-key-0123456789', previousApiKey: '', ...list } };
		outputOf(
			await send({
				parameters: { url: receiver.server.url, signing: 'apiKey', envelope: 'eventWebhook', eventType: 'order.created', options: LOCAL },
				credentials,
				items: [{ id: 1 }],
			}),
		);
		const result = await runTriggerWorkflow({ node: new EventWebhookTrigger(), parameters: {}, credentials, request: replay(receiver.server.requests[0]) });
		expect(result).toMatchObject({ status: 200, executed: true });
	});

	it('custom header → ApiRTC Trigger', async () => {
		const credentials = { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'policy-apirtc-secret-0123456789', ...list } };
		const ticket = { event: 'update', time: 1575976413, object: 'ticket', objectId: 7, props: { state: 'invited' } };
		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'customHeader', signingCredential: 'vendor', options: LOCAL }, credentials, items: [ticket] }));
		const result = await runTriggerWorkflow({ node: new ApiRtcTrigger(), parameters: {}, credentials, request: replay(receiver.server.requests[0]) });
		expect(result).toMatchObject({ status: 200, executed: true });
	});
});
