import { createHmac } from 'node:crypto';

import { receiveSignedWebhook, type SignedWebhookSettings, type SignedWebhookVerification } from '../../../nodes/SignedWebhookTrigger/receive';
import { signedWebhookPreset } from '../../../nodes/SignedWebhookTrigger/schema';
import type { Delivery } from '../../../nodes/shared/delivery';
import type { HeaderBag } from '../../../nodes/shared/encoding';
import { bodyFingerprint } from '../../../nodes/shared/hmac';
import type { SignaturePresetId } from '../../../nodes/shared/signaturePresets';
import { makeDelivery } from '../../vectors/delivery';
import { expectDeliveryError } from '../../vectors/deliveryError';
import { SLACK_VECTOR, STANDARD_WEBHOOKS_VECTOR, STRIPE_VECTOR } from '../../vectors/signaturePresets';

const SECRET = 'signed-webhook-secret-2';
const OLD_SECRET = 'signed-webhook-secret-1';
const NOW = 1_767_225_600;
const clockAt = (unixSeconds: number) => () => unixSeconds * 1000;
const clock = clockAt(NOW);

const hex = (secret: string | Buffer, message: string) => createHmac('sha256', secret).update(message, 'utf8').digest('hex');
const base64 = (secret: string | Buffer, message: string) => createHmac('sha256', secret).update(message, 'utf8').digest('base64');

function settings(preset: SignaturePresetId, extra: Partial<SignedWebhookSettings> = {}, secrets = [SECRET, OLD_SECRET]): SignedWebhookSettings {
	return { verification: { preset, secrets, toleranceSec: 300 }, ...extra };
}

const receive = (delivery: Delivery, s: SignedWebhookSettings, at = clock) => receiveSignedWebhook(delivery, s, at);

// ── GitHub ────────────────────────────────────────────────────────────────────────────────────
const ISSUE_OPENED = JSON.stringify({ action: 'opened', issue: { number: 1347, title: 'Found a bug' }, repository: { full_name: 'octocat/Hello-World' } });
const githubHeaders = (body: string, secret = SECRET): HeaderBag => ({
	'X-Hub-Signature-256': `sha256=${hex(secret, body)}`,
	'X-GitHub-Event': 'issues',
	'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
});

describe('receiveSignedWebhook: GitHub', () => {
	it('verifies X-Hub-Signature-256 and puts the event, its action and the delivery id in meta', () => {
		const result = receive(makeDelivery(ISSUE_OPENED, githubHeaders(ISSUE_OPENED)), settings('github'));
		expect(result).toMatchObject({ ignored: 0, replay: undefined });
		expect(result.items).toHaveLength(1);
		expect(result.items[0]).toMatchObject({ action: 'opened', issue: { number: 1347 } });
		expect(result.items[0].meta).toEqual({
			vendor: 'github',
			eventType: 'issues',
			action: 'opened',
			dedupKey: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
			receivedAt: '2024-05-01T10:20:31.000Z',
			verified: true,
			verification: { method: 'hmac', preset: 'github', header: 'x-hub-signature-256', secretIndex: 0, timestampSigned: false },
		});
	});

	it('accepts the previous secret during a rotation', () => {
		const result = receive(makeDelivery(ISSUE_OPENED, githubHeaders(ISSUE_OPENED, OLD_SECRET)), settings('github'));
		expect(result.items[0].meta.verification).toMatchObject({ secretIndex: 1 });
	});

	it('filters on the event or on event.action (octokit’s names), with prefix patterns', () => {
		const delivery = makeDelivery(ISSUE_OPENED, githubHeaders(ISSUE_OPENED));
		for (const eventTypes of [['issues'], ['issues.opened'], ['push', 'issues.*'], ['*']]) {
			expect(receive(delivery, settings('github', { eventTypes })).items).toHaveLength(1);
		}
		for (const eventTypes of [['push'], ['issues.closed'], ['pull_request*']]) {
			expect(receive(delivery, settings('github', { eventTypes }))).toEqual({ items: [], ignored: 1, replay: undefined });
		}
	});

	it('reads GitHub’s form content type (payload=<json>) as the same event', () => {
		const form = `payload=${encodeURIComponent(ISSUE_OPENED)}`;
		const delivery = makeDelivery(form, { ...githubHeaders(form), 'Content-Type': 'application/x-www-form-urlencoded' });
		expect(receive(delivery, settings('github')).items[0]).toMatchObject({ action: 'opened', issue: { number: 1347 } });
	});

	it('a ping (no action) passes a filter on its event; without X-GitHub-Delivery the key is a body fingerprint', () => {
		const ping = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
		const headers = { 'X-Hub-Signature-256': `sha256=${hex(SECRET, ping)}`, 'X-GitHub-Event': 'ping' };
		const [item] = receive(makeDelivery(ping, headers), settings('github', { eventTypes: ['ping'] })).items;
		expect(item.meta).toMatchObject({ eventType: 'ping', dedupKey: `ping:${bodyFingerprint(Buffer.from(ping))}` });
		expect(item.meta).not.toHaveProperty('action');
	});
});

// ── Stripe ────────────────────────────────────────────────────────────────────────────────────
describe('receiveSignedWebhook: Stripe', () => {
	const stripe = (extra: Partial<SignedWebhookSettings> = {}) => settings('stripe', extra, [STRIPE_VECTOR.secret]);
	const published = makeDelivery(STRIPE_VECTOR.body, { 'Stripe-Signature': STRIPE_VECTOR.header });
	const atVector = clockAt(STRIPE_VECTOR.timestamp + 100);

	it('verifies stripe-dotnet’s published delivery: type and event id in meta, a replay identity for the signed time', () => {
		const result = receive(published, stripe(), atVector);
		expect(result.items[0]).toMatchObject({ id: 'evt_123', type: 'customer.created', data: { object: { id: 'cus_123' } } });
		expect(result.items[0].meta).toMatchObject({
			vendor: 'stripe',
			eventType: 'customer.created',
			dedupKey: 'evt_123',
			verification: { method: 'hmac', preset: 'stripe', header: 'stripe-signature', secretIndex: 0, timestampSigned: true },
		});
		expect(result.replay).toEqual({ messageId: undefined, request: expect.stringContaining(`\n${STRIPE_VECTOR.timestamp}\n`), windowSec: 600 });
	});

	it('filters with a prefix pattern; a filtered delivery still carries its replay identity', () => {
		expect(receive(published, stripe({ eventTypes: ['customer.*'] }), atVector).items).toHaveLength(1);
		const ignored = receive(published, stripe({ eventTypes: ['invoice.*', 'charge.succeeded'] }), atVector);
		expect(ignored).toMatchObject({ items: [], ignored: 1, replay: { windowSec: 600 } });
	});

	it('refuses the published delivery once it is older than the tolerance; a tolerance of 0 accepts it with no replay identity', () => {
		expectDeliveryError(() => receive(published, stripe(), clockAt(STRIPE_VECTOR.timestamp + 301)), 'stale_timestamp');
		expectDeliveryError(() => receive(published, stripe(), clockAt(STRIPE_VECTOR.timestamp - 301)), 'future_timestamp');
		const untimed: SignedWebhookSettings = { verification: { preset: 'stripe', secrets: [STRIPE_VECTOR.secret], toleranceSec: 0 } };
		expect(receive(published, untimed, clockAt(NOW)).replay).toBeUndefined();
	});
});

// ── Shopify ───────────────────────────────────────────────────────────────────────────────────
const ORDER = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '403.00' });
const shopifyHeaders = (extra: HeaderBag = {}): HeaderBag => ({
	'X-Shopify-Hmac-Sha256': base64(SECRET, ORDER),
	'X-Shopify-Topic': 'orders/create',
	'X-Shopify-Shop-Domain': 'example.myshopify.com',
	'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
	...extra,
});

describe('receiveSignedWebhook: Shopify', () => {
	it('verifies the base64 HMAC; the topic is the event type, X-Shopify-Event-Id the dedup key', () => {
		const [item] = receive(makeDelivery(ORDER, shopifyHeaders({ 'X-Shopify-Event-Id': '98880550-7158-44d4-b7cd-2c97c8a091b5' })), settings('shopify')).items;
		expect(item.meta).toMatchObject({ vendor: 'shopify', eventType: 'orders/create', dedupKey: '98880550-7158-44d4-b7cd-2c97c8a091b5' });
		expect(item.meta.verification).toEqual({ method: 'hmac', preset: 'shopify', header: 'x-shopify-hmac-sha256', secretIndex: 0, timestampSigned: false });
	});

	it('falls back to X-Shopify-Webhook-Id, and filters on topics', () => {
		const delivery = makeDelivery(ORDER, shopifyHeaders());
		expect(receive(delivery, settings('shopify')).items[0].meta.dedupKey).toBe('b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
		expect(receive(delivery, settings('shopify', { eventTypes: ['orders/*'] })).items).toHaveLength(1);
		expect(receive(delivery, settings('shopify', { eventTypes: ['products/update'] })).ignored).toBe(1);
	});

	it('redacts the signature header in meta.headers (its name says nothing about a secret)', () => {
		const [item] = receive(makeDelivery(ORDER, shopifyHeaders()), settings('shopify', { includeHeaders: true })).items;
		expect(item.meta.headers).toMatchObject({ 'x-shopify-hmac-sha256': '[redacted]', 'x-shopify-topic': 'orders/create' });
	});
});

// ── Slack ─────────────────────────────────────────────────────────────────────────────────────
const slackHeaders = (body: string, timestamp = NOW, secret = SECRET, contentType = 'application/json'): HeaderBag => ({
	'X-Slack-Signature': `v0=${hex(secret, `v0:${timestamp}:${body}`)}`,
	'X-Slack-Request-Timestamp': String(timestamp),
	'Content-Type': contentType,
});
const FORM = 'application/x-www-form-urlencoded';

describe('receiveSignedWebhook: Slack', () => {
	it('answers url_verification with its challenge, after the signature holds, with no item and no replay identity', () => {
		const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
		expect(receive(makeDelivery(body, slackHeaders(body)), settings('slack', { eventTypes: ['app_mention'] }))).toEqual({
			items: [],
			ignored: 0,
			handshakeAnswer: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' },
		});
		expectDeliveryError(() => receive(makeDelivery(body, slackHeaders(body, NOW, 'not-the-signing-secret')), settings('slack')), 'bad_signature');
		// Only Slack's preset knows the handshake: elsewhere it is an event like any other.
		const standard = makeDelivery(body, { 'X-Hub-Signature-256': `sha256=${hex(SECRET, body)}`, 'X-GitHub-Event': 'x' });
		expect(receive(standard, settings('github')).handshakeAnswer).toBeUndefined();
	});

	it("answers a signed ssl_check (slash commands' periodic check) with 200 and no item; unsigned, it is refused", () => {
		const body = 'ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO';
		expect(receive(makeDelivery(body, slackHeaders(body, NOW, SECRET, FORM)), settings('slack'))).toEqual({ items: [], ignored: 0, handshakeAnswer: {} });
		expectDeliveryError(() => receive(makeDelivery(body, { 'Content-Type': FORM }), settings('slack')), 'missing_header');
	});

	it('an Events API callback: the inner event’s type, event_id as the dedup key', () => {
		const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev08MFMKH6', event: { type: 'app_mention', text: '<@U0LAN0Z89> hi' } });
		const result = receive(makeDelivery(body, slackHeaders(body)), settings('slack'));
		expect(result.items[0].meta).toMatchObject({ vendor: 'slack', eventType: 'app_mention', dedupKey: 'Ev08MFMKH6', verification: { timestampSigned: true } });
		expect(result.replay).toMatchObject({ windowSec: 600 });
	});

	it('Slack’s published slash command (a form): fields as strings, event type slash_command', () => {
		const { secret, body, timestamp, header } = SLACK_VECTOR;
		const delivery = makeDelivery(body, { 'X-Slack-Signature': header, 'X-Slack-Request-Timestamp': String(timestamp), 'Content-Type': `${FORM}; charset=utf-8` });
		const [item] = receive(delivery, settings('slack', {}, [secret]), clockAt(timestamp + 30)).items;
		expect(item).toMatchObject({ command: '/webhook-collect', text: '', team_domain: 'testteamnow', response_url: 'https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN' });
		expect(item.meta).toMatchObject({ eventType: 'slash_command', dedupKey: `slash_command:${bodyFingerprint(Buffer.from(body))}` });
	});

	it('an interaction (form with a JSON payload field): the payload is the event', () => {
		const interaction = { type: 'block_actions', user: { id: 'U2CERLKJA' }, actions: [{ action_id: 'approve', value: 'yes & more' }] };
		const body = `payload=${encodeURIComponent(JSON.stringify(interaction))}`;
		const [item] = receive(makeDelivery(body, slackHeaders(body, NOW, SECRET, FORM)), settings('slack', { eventTypes: ['block_actions'] })).items;
		expect(item).toMatchObject(interaction);
		expect(item.meta.eventType).toBe('block_actions');
	});

	it('refuses malformed forms after verifying them: bad %-escapes, non-UTF-8, __proto__, a payload that is not JSON, an empty body', () => {
		const send = (body: string | Buffer) => {
			const bytes = typeof body === 'string' ? Buffer.from(body) : body;
			const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${NOW}:`).update(bytes).digest('hex')}`;
			return () => receive(makeDelivery(bytes, { 'X-Slack-Signature': signature, 'X-Slack-Request-Timestamp': String(NOW), 'Content-Type': FORM }), settings('slack'));
		};
		for (const body of ['command=%2&text=a', 'text=%FF', '__proto__=x&command=%2Fdo', 'payload=%7Bnot-json', 'payload=%5B1%5D', '', Buffer.from([0x74, 0x3d, 0xff])]) {
			expectDeliveryError(send(body), 'bad_payload');
		}
		// A form is parsed only once it is verified.
		expectDeliveryError(() => receive(makeDelivery('text=%FF', { 'X-Slack-Signature': 'v0=00', 'X-Slack-Request-Timestamp': String(NOW), 'Content-Type': FORM }), settings('slack')), 'bad_signature');
	});

	it('keeps the first value of a repeated form field', () => {
		const body = 'command=%2Ffirst&command=%2Fsecond&text=a+b';
		expect(receive(makeDelivery(body, slackHeaders(body, NOW, SECRET, FORM)), settings('slack')).items[0]).toMatchObject({ command: '/first', text: 'a b' });
	});
});

// ── Standard Webhooks ─────────────────────────────────────────────────────────────────────────
describe('receiveSignedWebhook: Standard Webhooks', () => {
	it('verifies the reference vector: webhook-id is the message id and the dedup key', () => {
		const { secret, body, id, timestamp, signature } = STANDARD_WEBHOOKS_VECTOR;
		const delivery = makeDelivery(body, { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature });
		const result = receive(delivery, settings('standardWebhooks', {}, [secret]), clockAt(timestamp));
		expect(result.items[0]).toMatchObject({ test: 2432232314 });
		expect(result.items[0].meta).toMatchObject({
			vendor: 'standardWebhooks',
			eventType: 'unknown',
			dedupKey: id,
			verification: { method: 'standardWebhooks', preset: 'standardWebhooks', header: 'webhook-signature', secretIndex: 0, messageId: id, timestampSigned: true },
		});
		expect(result.replay).toMatchObject({ messageId: id, windowSec: 600 });
	});

	it('reads the body’s type for meta.eventType and the filter; refuses a secret that is not whsec_', () => {
		const whsec = `whsec_${Buffer.from('a-32-byte-standard-webhooks-key!').toString('base64')}`;
		const body = JSON.stringify({ type: 'user.created', data: { id: 'user_29w83sxmDNGwOuEthce5gg56FcC' } });
		const key = Buffer.from(whsec.slice(6), 'base64');
		const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW), 'webhook-signature': `v1,${base64(key, `msg_1.${NOW}.${body}`)}` };
		expect(receive(makeDelivery(body, headers), settings('standardWebhooks', { eventTypes: ['user.*'] }, [whsec])).items[0].meta.eventType).toBe('user.created');
		expectDeliveryError(() => receive(makeDelivery(body, headers), settings('standardWebhooks', {}, ['not base64!'])), 'not_configured');
	});
});

// ── Custom ────────────────────────────────────────────────────────────────────────────────────
describe('receiveSignedWebhook: Custom HMAC', () => {
	const BODY = JSON.stringify({ kind: 'invoice', data: { event: 'invoice.paid', id: 'inv_7' } });
	const custom = (overrides: Partial<Extract<SignedWebhookVerification, { preset: 'custom' }>> = {}, extra: Partial<SignedWebhookSettings> = {}): SignedWebhookSettings => ({
		verification: {
			preset: 'custom',
			secrets: [SECRET, OLD_SECRET],
			toleranceSec: 300,
			signatureHeader: 'x-acme-signature',
			scheme: { algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', signedContent: 'body' },
			...overrides,
		},
		...extra,
	});
	const signed = (secret = SECRET) => ({ 'X-Acme-Signature': `sha512=${createHmac('sha512', secret).update(BODY).digest('base64')}`, 'X-Acme-Event': 'invoice.paid' });

	it('verifies the configured scheme and reports it; no event type unless the user says where it is', () => {
		const result = receive(makeDelivery(BODY, signed(OLD_SECRET)), custom());
		expect(result.items[0].meta).toMatchObject({
			vendor: 'custom',
			eventType: 'unknown',
			dedupKey: `unknown:${bodyFingerprint(Buffer.from(BODY))}`,
			verification: { method: 'hmac', preset: 'custom', header: 'x-acme-signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', signedContent: 'body', secretIndex: 1 },
		});
		expect(result.replay).toBeUndefined();
	});

	it('reads the event type from a header or a dotted JSON path, and filters on it', () => {
		const fromHeader = receive(makeDelivery(BODY, signed()), custom({}, { customEventType: { from: 'header', name: 'x-acme-event' }, eventTypes: ['invoice.*'] }));
		expect(fromHeader.items[0].meta.eventType).toBe('invoice.paid');
		const fromField = receive(makeDelivery(BODY, signed()), custom({}, { customEventType: { from: 'field', path: 'data.event' }, eventTypes: ['invoice.refunded'] }));
		expect(fromField).toMatchObject({ items: [], ignored: 1 });
		// Own fields only: a path through the prototype is not a field.
		const inherited = receive(makeDelivery(BODY, signed()), custom({}, { customEventType: { from: 'field', path: 'data.constructor.name' } }));
		expect(inherited.items[0].meta.eventType).toBe('unknown');
	});

	it('with a signed timestamp: checked both ways, reported, and a replay identity', () => {
		const ts = String(NOW);
		const headers = { 'x-acme-signature': `sha512=${createHmac('sha512', SECRET).update(`${ts}.${BODY}`).digest('base64')}`, 'x-acme-timestamp': ts };
		const timed = custom({ timestampHeader: 'x-acme-timestamp', scheme: { algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', signedContent: 'timestamp.body' } });
		const result = receive(makeDelivery(BODY, headers), timed);
		expect(result.items[0].meta.verification).toMatchObject({ timestampHeader: 'x-acme-timestamp', timestampSigned: true });
		expect(result.replay).toMatchObject({ windowSec: 600 });
		expectDeliveryError(() => receive(makeDelivery(BODY, headers), timed, clockAt(NOW + 301)), 'stale_timestamp');
		expectDeliveryError(() => receive(makeDelivery(BODY, { 'x-acme-signature': headers['x-acme-signature'] }), timed), 'missing_header');
	});
});

// ── Every rejection class ─────────────────────────────────────────────────────────────────────
describe('receiveSignedWebhook: rejections', () => {
	const delivery = (body = ISSUE_OPENED, headers = githubHeaders(ISSUE_OPENED), extra: Partial<Delivery> = {}) => makeDelivery(body, headers, extra);

	it.each([
		['a missing signature header', () => receive(delivery(ISSUE_OPENED, { 'X-GitHub-Event': 'issues' }), settings('github')), 'missing_header'],
		['a tampered body', () => receive(delivery(ISSUE_OPENED.replace('bug', 'feature')), settings('github')), 'bad_signature'],
		['a wrong secret', () => receive(delivery(), settings('github', {}, ['another-secret'])), 'bad_signature'],
		['no secret (fails closed)', () => receive(delivery(), settings('github', {}, ['', ''])), 'not_configured'],
		['an address outside the allow-list', () => receive(delivery(), settings('github', { allowedIps: '198.51.100.0/24' })), 'forbidden_ip'],
		['a body over the limit', () => receive(delivery(), settings('github', { maxBodyBytes: 16 })), 'payload_too_large'],
		['a body that is not JSON', () => receive(delivery('{"action":', githubHeaders('{"action":')), settings('github')), 'bad_payload'],
		['a JSON array', () => receive(delivery('[1,2]', githubHeaders('[1,2]')), settings('github')), 'bad_payload'],
		['a __proto__ key', () => receive(delivery('{"__proto__":{"x":1}}', githubHeaders('{"__proto__":{"x":1}}')), settings('github')), 'bad_payload'],
		['a stale signed time', () => receive(makeDelivery('{}', slackHeaders('{}', NOW - 301)), settings('slack')), 'stale_timestamp'],
		['a future signed time', () => receive(makeDelivery('{}', slackHeaders('{}', NOW + 301)), settings('slack')), 'future_timestamp'],
		['a signed time that is not unix seconds', () => receive(makeDelivery('{}', { 'Stripe-Signature': `t=soon,v1=${hex(SECRET, 'soon.{}')}` }), settings('stripe')), 'bad_timestamp'],
	])('%s', (_what, run, code) => {
		expectDeliveryError(run, code as Parameters<typeof expectDeliveryError>[1], [SECRET, OLD_SECRET]);
	});

	it('an unknown preset leaves the node unusable rather than unchecked', () => {
		expect(signedWebhookPreset('slack')).toBe('slack');
		expect(signedWebhookPreset('custom')).toBe('custom');
		for (const value of ['none', 'constructor', '', undefined, 7]) expectDeliveryError(() => signedWebhookPreset(value), 'not_configured');
	});
});
