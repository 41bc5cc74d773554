// The Signed Webhook Trigger in a real (in-process) n8n workflow: each preset's delivery runs the
// workflow, a refused one is answered 4xx with JSON and starts nothing, Slack's handshake is
// answered without an execution. The generic suites (hardening, versions, credential checks) run
// it too, through its case in cases.ts.
import { createHmac, randomUUID } from 'node:crypto';

import type { IHookFunctions, INode, INodeParameters } from 'n8n-workflow';

import { SignedWebhookTrigger } from '../../nodes/SignedWebhookTrigger/SignedWebhookTrigger.node';
import { signWithPreset } from '../../nodes/shared/signaturePresets';
import { runTriggerWorkflow, type TriggerRunResult } from '../helpers/n8n';
import { SLACK_VECTOR } from '../vectors/signaturePresets';
import { expectRejected, received } from './helpers';

const node = new SignedWebhookTrigger();
const SECRET = 'signed-webhook-secret-2';
const OLD_SECRET = 'signed-webhook-secret-1';
const WHSEC = `whsec_${Buffer.from('a-32-byte-standard-webhooks-key!').toString('base64')}`;
const credentials = (secret = SECRET, previousSecret = OLD_SECRET) => ({ webhookHmacSecretApi: { secret, previousSecret } });
const nowSec = () => Math.floor(Date.now() / 1000);

interface Send {
	parameters: INodeParameters;
	body: string;
	headers: Record<string, string>;
	secret?: string;
	typeVersion?: number;
	nodeId?: string;
}

async function send({ parameters, body, headers, secret = SECRET, typeVersion, nodeId }: Send): Promise<TriggerRunResult> {
	return await runTriggerWorkflow({
		node,
		parameters,
		credentials: credentials(secret),
		typeVersion,
		nodeId,
		request: { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } },
	});
}

/** Headers as the vendor sends them, from the product's signing side (pinned by the vendors' vectors). */
const signed = (preset: Parameters<typeof signWithPreset>[0], body: string, secret = SECRET, timestampSec = nowSec()) =>
	signWithPreset(preset, { secret, body: Buffer.from(body), timestampSec, id: 'msg_in_process_1' });

describe('Signed Webhook Trigger in a real workflow', () => {
	it('GitHub: a verified delivery runs the workflow with the event and its meta', async () => {
		const body = JSON.stringify({ action: 'closed', pull_request: { number: 7, merged: true } });
		const headers = { ...signed('github', body, OLD_SECRET), 'x-github-event': 'pull_request', 'x-github-delivery': 'd-1' };
		const [item] = received(await send({ parameters: { preset: 'github', eventTypes: 'pull_request.closed' }, body, headers }));
		expect(item).toMatchObject({ action: 'closed', pull_request: { number: 7 } });
		expect(item.meta).toMatchObject({ vendor: 'github', eventType: 'pull_request', action: 'closed', dedupKey: 'd-1', verified: true, verification: { secretIndex: 1 } });
	});

	it('refuses a bad signature, a stale time and a missing header with 4xx JSON, starting nothing', async () => {
		const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
		const stripe = { preset: 'stripe' };
		expectRejected(await send({ parameters: stripe, body, headers: signed('stripe', body, 'whsec_not_the_secret') }), 401, 'bad_signature');
		expectRejected(await send({ parameters: stripe, body, headers: signed('stripe', body, SECRET, nowSec() - 301) }), 401, 'stale_timestamp');
		expectRejected(await send({ parameters: stripe, body, headers: {} }), 401, 'missing_header');
		const shopify = { preset: 'shopify' };
		expectRejected(await send({ parameters: shopify, body: '[]', headers: signed('shopify', '[]') }), 400, 'bad_payload');
	});

	it('Stripe: a copy of a verified delivery within its window is answered as a duplicate', async () => {
		const body = JSON.stringify({ id: 'evt_2', type: 'customer.created' });
		const headers = signed('stripe', body);
		const nodeId = randomUUID();
		expect(received(await send({ parameters: { preset: 'stripe' }, body, headers, nodeId }))[0].meta.dedupKey).toBe('evt_2');
		const copy = await send({ parameters: { preset: 'stripe' }, body, headers, nodeId });
		expect(copy).toMatchObject({ status: 200, responseBody: { received: true, duplicate: true, accepted: 0, ignored: 0 }, executed: false });
	});

	it('Slack: url_verification is answered with its challenge and starts no execution; a bad signature is still refused', async () => {
		const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
		const nodeId = randomUUID();
		for (let attempt = 0; attempt < 2; attempt++) {
			// Answered every time, never as a duplicate: Slack repeats a handshake it did not get.
			const result = await send({ parameters: { preset: 'slack', eventTypes: 'app_mention' }, body, headers: signed('slack', body), nodeId });
			expect(result).toMatchObject({ status: 200, responseBody: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' }, executed: false });
		}
		expectRejected(await send({ parameters: { preset: 'slack' }, body, headers: signed('slack', body, 'another-signing-secret') }), 401, 'bad_signature');
	});

	it.each([1, 2])('Slack (v%i): the published slash command, form-encoded, runs the workflow', async (typeVersion) => {
		const { secret, body } = SLACK_VECTOR;
		// Slack's example is from 2018: the same form, signed now.
		const timestamp = String(nowSec());
		const headers = {
			'content-type': 'application/x-www-form-urlencoded',
			'x-slack-request-timestamp': timestamp,
			'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
		};
		const [item] = received(await send({ parameters: { preset: 'slack', eventTypes: 'slash_command' }, body, headers, secret, typeVersion }));
		expect(item).toMatchObject({ command: '/webhook-collect', user_name: 'roadrunner' });
		expect(item.meta.eventType).toBe('slash_command');
	});

	it('a delivery the Event Filter removes is acknowledged without an execution', async () => {
		const body = JSON.stringify({ type: 'user.deleted', data: {} });
		const result = await send({ parameters: { preset: 'standardWebhooks', eventTypes: 'user.created' }, body, headers: signed('standardWebhooks', body, WHSEC), secret: WHSEC });
		expect(result).toMatchObject({ status: 200, responseBody: { received: true, accepted: 0, ignored: 1 }, executed: false });
	});

	it('Custom HMAC: the configured header and scheme, the event type from a JSON field', async () => {
		const body = JSON.stringify({ event: { name: 'build.finished' }, ok: true });
		const parameters = {
			preset: 'custom',
			signatureHeader: 'x-ci-signature',
			algorithm: 'sha512',
			encoding: 'base64',
			signaturePrefix: 'sha512=',
			eventTypeSource: 'field',
			eventTypeField: 'event.name',
			eventTypes: 'build.*',
		};
		const headers = { 'x-ci-signature': `sha512=${createHmac('sha512', SECRET).update(body).digest('base64')}` };
		const [item] = received(await send({ parameters, body, headers }));
		expect(item.meta).toMatchObject({ vendor: 'custom', eventType: 'build.finished', verification: { header: 'x-ci-signature', algorithm: 'sha512' } });
		// The default header is the generic x-signature (SYNCHUB keeps its own).
		expectRejected(await send({ parameters: { preset: 'custom' }, body, headers }), 401, 'missing_header');
	});

	it('Standard Webhooks with a secret that is not whsec_ fails closed', async () => {
		const body = JSON.stringify({ type: 'user.created' });
		expectRejected(await send({ parameters: { preset: 'standardWebhooks' }, body, headers: signed('standardWebhooks', body, WHSEC), secret: 'not-a-whsec-secret!' }), 401, 'not_configured');
	});
});

describe('Signed Webhook Trigger: the credential is checked on listen and publish', () => {
	const checkExists = async (parameters: Record<string, unknown>, data: Record<string, unknown>) => {
		const ctx = {
			getNode: () => ({ name: 'Signed Webhook Trigger', type: node.description.name }) as unknown as INode,
			getNodeParameter: (name: string) => parameters[name] ?? node.description.properties.find((p) => p.name === name)?.default,
			getCredentials: async () => data,
		} as unknown as IHookFunctions;
		return await node.webhookMethods.default.checkExists.call(ctx).then(
			(ok) => ok,
			(error: Error) => error.message,
		);
	};

	it('Standard Webhooks needs whsec_ secrets (the previous one too); other presets take any non-empty text', async () => {
		expect(await checkExists({ preset: 'standardWebhooks' }, { secret: WHSEC })).toBe(true);
		expect(await checkExists({ preset: 'standardWebhooks' }, { secret: WHSEC, previousSecret: 'whsec_***' })).toMatch(/^The webhookHmacSecretApi credential cannot be used: .*whsec_<base64>/);
		expect(await checkExists({ preset: 'github' }, { secret: "It's a Secret to Everybody" })).toBe(true);
		expect(await checkExists({ preset: 'stripe' }, { secret: '' })).toBe('The webhookHmacSecretApi credential cannot be used: The secret is empty');
	});
});
