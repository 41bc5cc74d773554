/**
 * Send Webhook's vendor presets (version 1.3): GitHub, Stripe, Shopify and Slack, signed with a
 * Webhook HMAC Secret. The expected headers are written out here with node:crypto from what each
 * vendor publishes (not taken from signaturePresets.ts), and pinned by the vendor's own example
 * where it publishes one (GitHub, Slack). Then real workflow runs send to a 127.0.0.1 receiver:
 * the request carries exactly those headers, and a retry is signed again with its own timestamp.
 */
import { createHmac } from 'node:crypto';

import { displayParameter, NodeHelpers, type INodeParameters } from 'n8n-workflow';

import { HMAC_PRESET_SIGNINGS } from '../../nodes/SendWebhook/description';
import { type HmacPresetId, signingHeaders } from '../../nodes/shared/outgoing';
import type { RecordedRequest } from '../helpers/httpServers';
import { outputOf, send, sendWebhook, useReceiver } from './helpers';

const LOCAL = { blockPrivateAddresses: false };
const SECRET = 'preset-signing-secret-0123456789';
const PRESETS: HmacPresetId[] = ['github', 'stripe', 'shopify', 'slack'];

const hmacSha256 = (secret: string, ...parts: Array<string | Buffer>) => {
	const mac = createHmac('sha256', secret);
	for (const part of parts) mac.update(part);
	return mac.digest();
};

/** Each vendor's headers for `body` sent at unix time `t`, as the vendor documents them. */
const VENDOR_HEADERS: Record<HmacPresetId, (secret: string, body: Buffer, t: number) => Record<string, string>> = {
	// GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the raw body; no time is signed.
	github: (secret, body) => ({ 'x-hub-signature-256': `sha256=${hmacSha256(secret, body).toString('hex')}` }),
	// Stripe: Stripe-Signature = "t=<unix>,v1=" + hex HMAC-SHA256 of "<unix>." + body.
	stripe: (secret, body, t) => ({ 'stripe-signature': `t=${t},v1=${hmacSha256(secret, `${t}.`, body).toString('hex')}` }),
	// Shopify: X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256 of the raw body, no prefix, no time.
	shopify: (secret, body) => ({ 'x-shopify-hmac-sha256': hmacSha256(secret, body).toString('base64') }),
	// Slack: X-Slack-Signature = "v0=" + hex HMAC-SHA256 of "v0:<unix>:" + body; X-Slack-Request-Timestamp = <unix>.
	slack: (secret, body, t) => ({
		'x-slack-signature': `v0=${hmacSha256(secret, `v0:${t}:`, body).toString('hex')}`,
		'x-slack-request-timestamp': String(t),
	}),
};

/** The unix time a request says it was signed at; undefined for the presets that sign no time. */
function signedTime(preset: HmacPresetId, headers: Record<string, string | string[] | undefined>): number | undefined {
	if (preset === 'stripe') return Number(/^t=(\d+),/.exec(String(headers['stripe-signature']))?.[1]);
	if (preset === 'slack') return Number(headers['x-slack-request-timestamp']);
	return undefined;
}

/** The request's signing headers, and what the vendor's own computation gives for its body and time. */
function signingOf(preset: HmacPresetId, request: RecordedRequest): { sent: Record<string, unknown>; expected: Record<string, string> } {
	const expected = VENDOR_HEADERS[preset](SECRET, request.body, signedTime(preset, request.headers) ?? 0);
	const sent = Object.fromEntries(Object.keys(expected).map((name) => [name, request.headers[name]]));
	return { sent, expected };
}

describe('signing headers per preset, against an independent computation', () => {
	const body = Buffer.from(JSON.stringify({ event: 'order.created', id: 'evt_1', note: 'ünïcødé ✓' }));
	const nowMs = 1_700_000_123_456;

	it.each(PRESETS)('%s: exactly the vendor\'s headers, nothing more', (preset) => {
		const headers = signingHeaders({ scheme: 'preset', preset, secret: SECRET }, body, 'msg_preset_1', nowMs);
		expect(headers).toEqual(VENDOR_HEADERS[preset](SECRET, body, 1_700_000_123));
	});

	it('the shapes: hex for GitHub, Stripe and Slack, base64 for Shopify, the time where the vendor puts it', () => {
		const sign = (preset: HmacPresetId) => signingHeaders({ scheme: 'preset', preset, secret: SECRET }, body, 'msg_preset_1', nowMs);
		expect(sign('github')['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
		expect(sign('stripe')['stripe-signature']).toMatch(/^t=1700000123,v1=[0-9a-f]{64}$/);
		expect(sign('shopify')['x-shopify-hmac-sha256']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
		expect(sign('slack')).toMatchObject({ 'x-slack-signature': expect.stringMatching(/^v0=[0-9a-f]{64}$/), 'x-slack-request-timestamp': '1700000123' });
	});

	it('Stripe and Slack sign the attempt\'s time; GitHub and Shopify sign no time', () => {
		const at = (preset: HmacPresetId, ms: number) => signingHeaders({ scheme: 'preset', preset, secret: SECRET }, body, 'msg_preset_1', ms);
		for (const preset of ['stripe', 'slack'] as const) expect(at(preset, nowMs + 1000)).not.toEqual(at(preset, nowMs));
		for (const preset of ['github', 'shopify'] as const) expect(at(preset, nowMs + 1000)).toEqual(at(preset, nowMs));
	});

	it('GitHub\'s published example (docs.github.com, "Validating webhook deliveries": secret "It\'s a Secret to Everybody", payload "Hello, World!")', () => {
		const headers = signingHeaders({ scheme: 'preset', preset: 'github', secret: "It's a Secret to Everybody" }, Buffer.from('Hello, World!'), 'any', nowMs);
		expect(headers).toEqual({ 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' });
	});

	it('Slack\'s published example (api.slack.com, "Verifying requests from Slack")', () => {
		const body = Buffer.from(
			'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
		);
		const headers = signingHeaders({ scheme: 'preset', preset: 'slack', secret: '8f742231b10e8888abcd99yyyzzz85a5' }, body, 'any', 1_531_420_618_000);
		expect(headers).toEqual({
			'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
			'x-slack-request-timestamp': '1531420618',
		});
	});
});

describe('the presets in the node description', () => {
	const { description } = sendWebhook;
	const completed = (parameters: INodeParameters, typeVersion: number) =>
		NodeHelpers.getNodeParameters(description.properties, parameters, true, false, { typeVersion }, description) ?? {};
	const signingValues = (typeVersion: number) =>
		description.properties
			.filter((p) => p.name === 'signing' && displayParameter({}, p, { typeVersion }, description))
			.flatMap((p) => (p.options ?? []).map((option) => ('value' in option ? option.value : undefined)));

	it('Signing offers them from version 1.3 on; earlier versions keep their six choices', () => {
		expect(HMAC_PRESET_SIGNINGS.slice().sort()).toEqual(PRESETS.slice().sort());
		for (const typeVersion of [1, 1.1, 1.2]) expect(signingValues(typeVersion).sort()).toEqual(['apiKey', 'customHeader', 'hmac', 'none', 'roomleToken', 'standardWebhooks']);
		expect(signingValues(1.3)).toEqual(expect.arrayContaining([...PRESETS, 'apiKey', 'customHeader', 'hmac', 'none', 'roomleToken', 'standardWebhooks']));
		expect(signingValues(1.3)).toHaveLength(10);
	});

	it.each(PRESETS)('%s uses the Webhook HMAC Secret credential, with no Credential Type and no HMAC fields to fill in', (signing) => {
		const values = completed({ signing }, 1.3);
		const credentials = (description.credentials ?? []).filter((credential) => displayParameter(values, credential, { typeVersion: 1.3 }, description));
		expect(credentials.map((credential) => credential.name)).toEqual(['webhookHmacSecretApi']);
		const shown = description.properties.filter((p) => displayParameter(values, p, { typeVersion: 1.3 }, description)).map((p) => p.name);
		expect(shown).not.toContain('signingCredential');
		expect(shown).not.toContain('signatureHeader');
		expect(shown[shown.indexOf('signing') + 1]).toBe('credentials');
	});

	it('the subtitle has words for every Signing value of every version', () => {
		for (const value of [...new Set([...signingValues(1), ...signingValues(1.3)])]) expect(description.subtitle).toContain(`${String(value)}: "`);
	});
});

/** Answers in order: a 503 (with Retry-After when given) for each queued entry, then 200. */
const failures: Array<{ retryAfter?: string }> = [];
const receiver = useReceiver((_req, res) => {
	const failure = failures.shift();
	if (failure) {
		res.writeHead(503, { 'content-type': 'application/json', ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}) });
		res.end('{"busy":true}');
		return;
	}
	res.writeHead(200, { 'content-type': 'application/json' });
	res.end('{"received":true}');
});

describe('Send Webhook sends each preset over HTTP', () => {
	const credentials = { webhookHmacSecretApi: { secret: SECRET, previousSecret: '' } };
	const nowSec = () => Math.floor(Date.now() / 1000);

	it.each(PRESETS)('%s: the request carries the vendor\'s headers for the bytes sent', async (signing) => {
		const before = nowSec();
		const output = outputOf(await send({ parameters: { url: receiver.server.url, signing, options: LOCAL }, credentials, items: [{ event: 'order.created', id: 'evt_2' }] }));
		expect(output[0]).toMatchObject({ ok: true, status: 200, attempts: 1 });
		const [request] = receiver.server.requests;
		expect(request.body.equals(Buffer.from(JSON.stringify({ event: 'order.created', id: 'evt_2' })))).toBe(true);
		const { sent, expected } = signingOf(signing, request);
		expect(sent).toEqual(expected);
		const time = signedTime(signing, request.headers);
		if (time !== undefined) {
			expect(time).toBeGreaterThanOrEqual(before);
			expect(time).toBeLessThanOrEqual(nowSec());
		}
	});

	it.each(['stripe', 'slack'] as const)('%s: a retry is signed again with its own, later timestamp', async (signing) => {
		// Retry-After: 1 puts the second attempt in a later second than the first.
		failures.push({ retryAfter: '1' });
		const output = outputOf(await send({ parameters: { url: receiver.server.url, signing, options: LOCAL }, credentials, items: [{ n: 1 }] }));
		expect(output[0]).toMatchObject({ ok: true, attempts: 2 });
		const [first, second] = receiver.server.requests;
		for (const request of [first, second]) {
			const { sent, expected } = signingOf(signing, request);
			expect(sent).toEqual(expected);
		}
		expect(signedTime(signing, second.headers)).toBeGreaterThan(signedTime(signing, first.headers) as number);
		expect(second.body.equals(first.body)).toBe(true);
	});

	it.each(['github', 'shopify'] as const)('%s: a retry carries the same valid signature (the vendor signs no time)', async (signing) => {
		failures.push({});
		const output = outputOf(await send({ parameters: { url: receiver.server.url, signing, options: { ...LOCAL, backoffBaseMs: 0 } }, credentials, items: [{ n: 2 }] }));
		expect(output[0]).toMatchObject({ ok: true, attempts: 2 });
		const [first, second] = receiver.server.requests;
		expect(signingOf(signing, first).sent).toEqual(signingOf(signing, first).expected);
		expect(signingOf(signing, second).sent).toEqual(signingOf(signing, first).sent);
	});

	it('the Delivery ID Header option sends a stable id beside the signature (e.g. X-GitHub-Delivery)', async () => {
		failures.push({});
		const options = { ...LOCAL, backoffBaseMs: 0, deliveryIdHeader: 'X-GitHub-Delivery' };
		outputOf(await send({ parameters: { url: receiver.server.url, signing: 'github', options }, credentials, items: [{}] }));
		const [first, second] = receiver.server.requests;
		expect(first.headers['x-github-delivery']).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(second.headers['x-github-delivery']).toBe(first.headers['x-github-delivery']);
	});

	it('an empty secret is a configuration error; nothing is sent', async () => {
		const result = await send({ parameters: { url: receiver.server.url, signing: 'stripe', options: LOCAL }, credentials: { webhookHmacSecretApi: { secret: '' } }, items: [{}] });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe('The HMAC secret is empty in the credential');
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('a SYNCHUB credential is not used for a preset', async () => {
		const result = await send({ parameters: { url: receiver.server.url, signing: 'github', options: LOCAL }, credentials: { synchubWebhookApi: { secret: SECRET } }, items: [{}] });
		expect(result.error?.message).toContain('webhookHmacSecretApi');
		expect(receiver.server.requests).toHaveLength(0);
	});

	it('the credential\'s Allowed Domains apply; the refusal names the host, not the secret', async () => {
		const result = await send({
			parameters: { url: receiver.server.url, signing: 'slack', options: LOCAL },
			credentials: { webhookHmacSecretApi: { secret: SECRET, allowedDomains: 'hooks.slack.example' } },
			items: [{}],
		});
		expect(result.error?.message).toMatch(/^Item 0: 127\.0\.0\.1:\d+ is not in the credential's Allowed Domains \(hooks\.slack\.example\); nothing was sent$/);
		expect(JSON.stringify(result.runData)).not.toContain(SECRET);
		expect(receiver.server.requests).toHaveLength(0);
	});
});
