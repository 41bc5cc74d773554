/**
 * Which credential Send Webhook signs with, per node version: from 1.3, HMAC and custom-header
 * signing take a credential named after no vendor (Webhook HMAC Secret, Webhook Header Secret)
 * unless Credential Type picks the SYNCHUB or ApiRTC one; versions 1 to 1.2 keep the vendor
 * credentials exactly as saved workflows use them. Also where n8n's editor draws the credential
 * picker: after the Signing choice. Description checks use n8n-workflow's own display rules; the
 * runs are real in-process workflows against a 127.0.0.1 receiver.
 */
import { createHmac } from 'node:crypto';

import { displayParameter, NodeHelpers, type INodeParameters } from 'n8n-workflow';

import { outputOf, send, sendWebhook, useReceiver } from './helpers';

const { description } = sendWebhook;
const LOCAL = { blockPrivateAddresses: false };
const OLD_VERSIONS = [1, 1.1, 1.2];
const HMAC_SECRET = 'credential-choice-hmac-secret-01';

/** The node's parameters as n8n completes them (defaults of every displayed field filled in). */
function completed(parameters: INodeParameters, typeVersion: number): INodeParameters {
	return NodeHelpers.getNodeParameters(description.properties, parameters, true, false, { typeVersion }, description) ?? {};
}

/** The credentials the editor shows (and n8n lets the node read) for these parameters. */
function shownCredentials(parameters: INodeParameters, typeVersion: number): string[] {
	const values = completed(parameters, typeVersion);
	return (description.credentials ?? []).filter((credential) => displayParameter(values, credential, { typeVersion }, description)).map((c) => c.name);
}

/** The parameters the editor shows, in order, with the credential picker's place as "(credential picker)". */
function shownParameters(parameters: INodeParameters, typeVersion: number): string[] {
	const values = completed(parameters, typeVersion);
	return description.properties
		.filter((property) => displayParameter(values, property, { typeVersion }, description))
		.map((property) => (property.type === 'credentials' ? '(credential picker)' : property.name));
}

const receiver = useReceiver();

describe('the credential each Signing choice uses, per version', () => {
	const unchanged: Array<[string, string[]]> = [
		['none', []],
		['standardWebhooks', ['standardWebhooksApi']],
		['roomleToken', ['roomleWebhookApi']],
		['apiKey', ['eventWebhookApi']],
	];

	it.each(OLD_VERSIONS)('version %p: HMAC uses the SYNCHUB credential and custom header the ApiRTC one, as before', (typeVersion) => {
		expect(shownCredentials({ signing: 'hmac' }, typeVersion)).toEqual(['synchubWebhookApi']);
		expect(shownCredentials({ signing: 'customHeader' }, typeVersion)).toEqual(['apiRtcWebhookApi']);
		for (const [signing, credentials] of unchanged) expect(shownCredentials({ signing }, typeVersion)).toEqual(credentials);
	});

	it('version 1.3: the generic credentials by default, the vendor ones when Credential Type says so', () => {
		expect(shownCredentials({ signing: 'hmac' }, 1.3)).toEqual(['webhookHmacSecretApi']);
		expect(shownCredentials({ signing: 'hmac', signingCredential: 'vendor' }, 1.3)).toEqual(['synchubWebhookApi']);
		expect(shownCredentials({ signing: 'customHeader' }, 1.3)).toEqual(['webhookHeaderSecretApi']);
		expect(shownCredentials({ signing: 'customHeader', signingCredential: 'vendor' }, 1.3)).toEqual(['apiRtcWebhookApi']);
		for (const [signing, credentials] of unchanged) expect(shownCredentials({ signing }, 1.3)).toEqual(credentials);
	});

	it('Credential Type exists from 1.3 on, only for HMAC and custom header, defaults to the generic credential and takes no expression', () => {
		for (const typeVersion of OLD_VERSIONS) {
			for (const signing of ['hmac', 'customHeader']) expect(shownParameters({ signing }, typeVersion)).not.toContain('signingCredential');
		}
		for (const signing of ['none', 'standardWebhooks', 'roomleToken', 'apiKey']) expect(shownParameters({ signing }, 1.3)).not.toContain('signingCredential');
		for (const signing of ['hmac', 'customHeader']) {
			expect(completed({ signing }, 1.3).signingCredential).toBe('generic');
			const [field] = description.properties.filter((p) => p.name === 'signingCredential' && displayParameter(completed({ signing }, 1.3), p, { typeVersion: 1.3 }, description));
			expect(field).toMatchObject({ displayName: 'Credential Type', noDataExpression: true });
			expect(field.options?.map((option) => ('value' in option ? option.value : undefined)).sort()).toEqual(['generic', 'vendor']);
		}
	});

	it('a node saved in an earlier version stores nothing new (no Credential Type, no picker value)', () => {
		for (const typeVersion of OLD_VERSIONS) {
			const stored = NodeHelpers.getNodeParameters(description.properties, { url: 'https://example.com/hook', signing: 'hmac' }, false, false, { typeVersion }, description);
			expect(stored).toEqual({ url: 'https://example.com/hook', signing: 'hmac' });
		}
	});
});

describe('the credential picker comes right after the Signing choice', () => {
	it.each([...OLD_VERSIONS, 1.3])('version %p', (typeVersion) => {
		for (const signing of ['hmac', 'customHeader', 'standardWebhooks', 'roomleToken', 'apiKey']) {
			const shown = shownParameters({ signing }, typeVersion);
			// n8n's editor draws the picker at the first displayed parameter of type "credentials".
			expect(shown.filter((name) => name === '(credential picker)')).toHaveLength(1);
			const after = shown.slice(shown.indexOf('signing') + 1);
			const expected = typeVersion >= 1.3 && (signing === 'hmac' || signing === 'customHeader') ? ['signingCredential', '(credential picker)'] : ['(credential picker)'];
			expect(after.slice(0, expected.length)).toEqual(expected);
		}
	});
});

describe('Send Webhook signs with the credential the version and Credential Type pick', () => {
	const hmacOf = (body: Buffer) => createHmac('sha256', HMAC_SECRET).update(body).digest('hex');

	it.each(OLD_VERSIONS)('version %p: HMAC with the SYNCHUB credential, custom header with the ApiRTC one', async (typeVersion) => {
		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'hmac', options: LOCAL }, credentials: { synchubWebhookApi: { secret: HMAC_SECRET } }, items: [{ a: 1 }], typeVersion }));
		outputOf(
			await send({
				parameters: { url: receiver.server.url, signing: 'customHeader', options: LOCAL },
				credentials: { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'apirtc-header-secret-77' } },
				items: [{ b: 2 }],
				typeVersion,
			}),
		);
		const [signed, headed] = receiver.server.requests;
		expect(signed.headers['x-synchub-signature']).toBe(hmacOf(signed.body));
		expect(headed.headers['x-webhook-secret']).toBe('apirtc-header-secret-77');
	});

	it.each(OLD_VERSIONS)('version %p does not read the generic credential', async (typeVersion) => {
		const result = await send({ parameters: { url: receiver.server.url, signing: 'hmac', options: LOCAL }, credentials: { webhookHmacSecretApi: { secret: HMAC_SECRET } }, items: [{}], typeVersion });
		expect(result.error?.message).toContain('synchubWebhookApi');
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('version 1.3, HMAC: the Webhook HMAC Secret by default', async () => {
		const output = outputOf(
			await send({ parameters: { url: receiver.server.url, signing: 'hmac', options: LOCAL }, credentials: { webhookHmacSecretApi: { secret: HMAC_SECRET, previousSecret: 'old-secret' } }, items: [{ a: 1 }] }),
		);
		expect(output[0]).toMatchObject({ ok: true, status: 200 });
		const [request] = receiver.server.requests;
		// Signed with the current secret; the previous one is for receivers while rotating.
		expect(request.headers['x-synchub-signature']).toBe(hmacOf(request.body));
	});

	it('version 1.3, HMAC: a SYNCHUB credential alone is not used unless Credential Type says so', async () => {
		const credentials = { synchubWebhookApi: { secret: HMAC_SECRET } };
		const refused = await send({ parameters: { url: receiver.server.url, signing: 'hmac', options: LOCAL }, credentials, items: [{}] });
		expect(refused.error?.message).toContain('webhookHmacSecretApi');
		expect(receiver.server.requests).toHaveLength(0);

		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'hmac', signingCredential: 'vendor', options: LOCAL }, credentials, items: [{ a: 1 }] }));
		const [request] = receiver.server.requests;
		expect(request.headers['x-synchub-signature']).toBe(hmacOf(request.body));
	});

	it('version 1.3, custom header: the Webhook Header Secret by default, the ApiRTC credential when chosen', async () => {
		outputOf(
			await send({
				parameters: { url: receiver.server.url, signing: 'customHeader', options: LOCAL },
				credentials: { webhookHeaderSecretApi: { headerName: 'X-Partner-Token', secret: 'generic-header-secret-88' } },
				items: [{}],
			}),
		);
		outputOf(
			await send({
				parameters: { url: receiver.server.url, signing: 'customHeader', signingCredential: 'vendor', options: LOCAL },
				credentials: { apiRtcWebhookApi: { headerName: 'X-Webhook-Secret', secret: 'apirtc-header-secret-77' } },
				items: [{}],
			}),
		);
		const [generic, vendor] = receiver.server.requests;
		expect(generic.headers['x-partner-token']).toBe('generic-header-secret-88');
		expect(vendor.headers['x-webhook-secret']).toBe('apirtc-header-secret-77');
	});

	it('version 1.3: an empty generic secret is a configuration error, nothing is sent', async () => {
		const result = await send({
			parameters: { url: receiver.server.url, signing: 'customHeader', options: LOCAL },
			credentials: { webhookHeaderSecretApi: { headerName: 'X-Partner-Token', secret: '' } },
			items: [{}],
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe('The header value is empty in the credential');
		expect(receiver.server.requests).toHaveLength(0);
	});
});
