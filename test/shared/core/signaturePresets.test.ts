// The signature presets against each vendor's own published example, then one table of negative
// cases run against every preset. Signatures in the table are computed here with node:crypto,
// written out per vendor, independently of the product code.
import { createHmac } from 'node:crypto';

import { normalizeHeaders } from '../../../nodes/shared/encoding';
import { type SignaturePresetId, signWithPreset, verifyWithPreset } from '../../../nodes/shared/signaturePresets';
import { expectDeliveryError } from '../../vectors/deliveryError';
import { GITHUB_VECTOR, SLACK_VECTOR, STANDARD_WEBHOOKS_VECTOR, STRIPE_VECTOR } from '../../vectors/signaturePresets';

const at = (unixSeconds: number) => () => unixSeconds * 1000;
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('verifyWithPreset: the vendors’ published examples', () => {
	it('GitHub: docs.github.com "Testing the webhook payload validation"', () => {
		const { secret, body, header } = GITHUB_VECTOR;
		const verified = verifyWithPreset('github', { headers: normalizeHeaders({ 'X-Hub-Signature-256': header }), body: bytes(body), secrets: [secret], toleranceSec: 300, clock: at(1) });
		expect(verified).toEqual({ secretIndex: 0, timestampSec: undefined });
		expect(signWithPreset('github', { secret, body: bytes(body), timestampSec: 1, id: 'unused' })).toEqual({ 'x-hub-signature-256': header });
	});

	it('Slack: "Verifying requests from Slack", the slash command example', () => {
		const { secret, body, timestamp, header } = SLACK_VECTOR;
		const headers = { 'X-Slack-Signature': header, 'X-Slack-Request-Timestamp': String(timestamp) };
		const verified = verifyWithPreset('slack', { headers: normalizeHeaders(headers), body: bytes(body), secrets: [secret], toleranceSec: 300, clock: at(timestamp + 30) });
		expect(verified).toEqual({ secretIndex: 0, timestampSec: timestamp });
		expect(signWithPreset('slack', { secret, body: bytes(body), timestampSec: timestamp, id: 'unused' })).toEqual({
			'x-slack-signature': header,
			'x-slack-request-timestamp': String(timestamp),
		});
	});

	it('Stripe: stripe-dotnet’s EventUtilityTest fixture (its v0= entry is ignored)', () => {
		const { secret, body, timestamp, header } = STRIPE_VECTOR;
		const verified = verifyWithPreset('stripe', { headers: normalizeHeaders({ 'Stripe-Signature': header }), body: bytes(body), secrets: [secret], toleranceSec: 300, clock: at(timestamp + 100) });
		expect(verified).toEqual({ secretIndex: 0, timestampSec: timestamp });
		expect(signWithPreset('stripe', { secret, body: bytes(body), timestampSec: timestamp, id: 'unused' })).toEqual({
			'stripe-signature': header.replace(/,v0=.*$/, ''),
		});
		// The same fixture, 100 s later than stripe-dotnet's own tolerance test allows.
		expectDeliveryError(
			() => verifyWithPreset('stripe', { headers: normalizeHeaders({ 'Stripe-Signature': header }), body: bytes(body), secrets: [secret], toleranceSec: 300, clock: at(timestamp + 400) }),
			'stale_timestamp',
		);
	});

	it('Standard Webhooks: the reference library’s sign() vector', () => {
		const { secret, body, id, timestamp, signature } = STANDARD_WEBHOOKS_VECTOR;
		const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
		const verified = verifyWithPreset('standardWebhooks', { headers: normalizeHeaders(headers), body: bytes(body), secrets: [secret], toleranceSec: 300, clock: at(timestamp) });
		expect(verified).toEqual({ secretIndex: 0, timestampSec: timestamp, messageId: id });
		expect(signWithPreset('standardWebhooks', { secret, body: bytes(body), timestampSec: timestamp, id })).toEqual(headers);
	});

	it('Shopify: no published example exists, so pinned by an independent HMAC-SHA256 (base64 of the raw body)', () => {
		const secret = 'shopify-app-client-secret';
		const body = '{"id":820982911946154508,"email":"jon@example.com","closed_at":null}';
		const expected = createHmac('sha256', secret).update(body, 'utf8').digest('base64');
		const verified = verifyWithPreset('shopify', { headers: normalizeHeaders({ 'X-Shopify-Hmac-Sha256': expected }), body: bytes(body), secrets: [secret], toleranceSec: 300, clock: at(1) });
		expect(verified).toEqual({ secretIndex: 0, timestampSec: undefined });
		expect(signWithPreset('shopify', { secret, body: bytes(body), timestampSec: 1, id: 'unused' })).toEqual({ 'x-shopify-hmac-sha256': expected });
	});
});

/** How each vendor signs, written out with node:crypto: one signature, and the headers carrying some. */
interface VendorSender {
	secret: string;
	oldSecret: string;
	/** Whether the vendor signs a send time. */
	timed: boolean;
	signature: (secret: string, body: string, timestamp: string) => string;
	headers: (signatures: string[], timestamp: string) => Record<string, string>;
	/** The headers without the send time (for timed vendors). */
	withoutTimestamp: (signatures: string[]) => Record<string, string>;
	/** A signature the vendor's encoding cannot hold (wrong alphabet or length). */
	malformed: string;
}

/** A vendor that signs no send time: its signatures, comma-separated, in the one header `name`. */
function untimedHeader(name: string): Pick<VendorSender, 'timed' | 'headers' | 'withoutTimestamp'> {
	const headers = (signatures: string[]) => ({ [name]: signatures.join(',') });
	return { timed: false, headers, withoutTimestamp: headers };
}

const hmac = (key: string | Buffer, message: string, encoding: 'hex' | 'base64') => createHmac('sha256', key).update(message, 'utf8').digest(encoding);
const whsecKey = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64');
const MESSAGE_ID = 'msg_2mXq9Hk1';

const SENDERS: Record<SignaturePresetId, VendorSender> = {
	github: {
		secret: 'gh-hook-secret-2',
		oldSecret: 'gh-hook-secret-1',
		...untimedHeader('X-Hub-Signature-256'),
		signature: (secret, body) => `sha256=${hmac(secret, body, 'hex')}`,
		malformed: `sha256=${'zz'.repeat(32)}`,
	},
	shopify: {
		secret: 'shpss_client_secret_2',
		oldSecret: 'shpss_client_secret_1',
		...untimedHeader('X-Shopify-Hmac-Sha256'),
		signature: (secret, body) => hmac(secret, body, 'base64'),
		// The hex digest where base64 is expected: decodes to 48 bytes, not 32.
		malformed: hmac('shpss_client_secret_2', '{}', 'hex'),
	},
	stripe: {
		secret: 'whsec_stripe_endpoint_2',
		oldSecret: 'whsec_stripe_endpoint_1',
		timed: true,
		signature: (secret, body, timestamp) => `v1=${hmac(secret, `${timestamp}.${body}`, 'hex')}`,
		headers: (signatures, timestamp) => ({ 'Stripe-Signature': [`t=${timestamp}`, ...signatures].join(',') }),
		withoutTimestamp: (signatures) => ({ 'Stripe-Signature': signatures.join(',') }),
		malformed: `v1=${'a'.repeat(63)}`,
	},
	slack: {
		secret: 'slack-signing-secret-2',
		oldSecret: 'slack-signing-secret-1',
		timed: true,
		signature: (secret, body, timestamp) => `v0=${hmac(secret, `v0:${timestamp}:${body}`, 'hex')}`,
		headers: (signatures, timestamp) => ({ 'X-Slack-Signature': signatures.join(' '), 'X-Slack-Request-Timestamp': timestamp }),
		withoutTimestamp: (signatures) => ({ 'X-Slack-Signature': signatures.join(' ') }),
		malformed: 'v0=not-hex-at-all',
	},
	standardWebhooks: {
		secret: `whsec_${Buffer.from('standard-webhooks-key-number-two').toString('base64')}`,
		oldSecret: `whsec_${Buffer.from('standard-webhooks-key-number-one').toString('base64')}`,
		timed: true,
		signature: (secret, body, timestamp) => `v1,${hmac(whsecKey(secret), `${MESSAGE_ID}.${timestamp}.${body}`, 'base64')}`,
		headers: (signatures, timestamp) => ({ 'webhook-id': MESSAGE_ID, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') }),
		withoutTimestamp: (signatures) => ({ 'webhook-id': MESSAGE_ID, 'webhook-signature': signatures.join(' ') }),
		malformed: 'v1,***',
	},
};

const NOW = 1_767_225_600;
const BODY = '{"id":"evt_1","type":"order.created","data":{"total":42}}';

describe.each(Object.keys(SENDERS) as SignaturePresetId[])('verifyWithPreset(%s)', (presetId) => {
	const s = SENDERS[presetId];
	const ts = String(NOW);
	const verify = (headers: Record<string, string>, options: { body?: string; secrets?: string[]; toleranceSec?: number; now?: number } = {}) =>
		verifyWithPreset(presetId, {
			headers: normalizeHeaders(headers),
			body: bytes(options.body ?? BODY),
			secrets: options.secrets ?? [s.secret, s.oldSecret],
			toleranceSec: options.toleranceSec ?? 300,
			clock: at(options.now ?? NOW),
		});
	const signed = (secret = s.secret, timestamp = ts) => s.headers([s.signature(secret, BODY, timestamp)], timestamp);
	const secrets = [s.secret, s.oldSecret];

	it('accepts the current secret, and the previous one during a rotation (secretIndex 1)', () => {
		expect(verify(signed()).secretIndex).toBe(0);
		expect(verify(signed(s.oldSecret)).secretIndex).toBe(1);
		// A blank current secret does not make the previous one look current.
		expect(verify(signed(s.oldSecret), { secrets: ['', s.oldSecret] }).secretIndex).toBe(1);
	});

	it('refuses a tampered body and a wrong secret', () => {
		expectDeliveryError(() => verify(signed(), { body: BODY.replace('42', '43') }), 'bad_signature', secrets);
		expectDeliveryError(() => verify(signed('not-the-secret-at-all')), 'bad_signature', secrets);
		expectDeliveryError(() => verify(signed(), { secrets: [s.oldSecret] }), 'bad_signature', secrets);
	});

	it('refuses a missing signature header and malformed encodings', () => {
		expectDeliveryError(() => verify({}), 'missing_header', secrets);
		expectDeliveryError(() => verify(s.headers([s.malformed], ts)), 'bad_signature', secrets);
		const valid = s.signature(s.secret, BODY, ts);
		expectDeliveryError(() => verify(s.headers([valid.slice(0, -4)], ts)), 'bad_signature', secrets);
	});

	it('accepts several signatures in one header when one matches', () => {
		const other = s.signature('a-rotated-out-secret', BODY, ts);
		expect(verify(s.headers([other, s.malformed, s.signature(s.oldSecret, BODY, ts)], ts)).secretIndex).toBe(1);
		expectDeliveryError(() => verify(s.headers([other, s.malformed], ts)), 'bad_signature', secrets);
	});

	it('fails closed without a secret', () => {
		expectDeliveryError(() => verify(signed(), { secrets: ['', ''] }), 'not_configured');
	});

	if (s.timed) {
		it('checks the signed time in both directions; 0 turns the check off', () => {
			expect(verify(signed(s.secret, String(NOW - 300))).timestampSec).toBe(NOW - 300);
			expectDeliveryError(() => verify(signed(s.secret, String(NOW - 301))), 'stale_timestamp', secrets);
			expectDeliveryError(() => verify(signed(s.secret, String(NOW + 301))), 'future_timestamp', secrets);
			expect(verify(signed(s.secret, String(NOW - 86_400)), { toleranceSec: 0 }).timestampSec).toBe(NOW - 86_400);
		});

		it('reads the time as integer unix seconds only', () => {
			// Each one signed over the malformed value itself, so only its form can be refused.
			for (const timestamp of [`${NOW}.5`, new Date(NOW * 1000).toISOString(), `+${NOW}`]) {
				expectDeliveryError(() => verify(signed(s.secret, timestamp)), 'bad_timestamp', secrets);
			}
			expectDeliveryError(() => verify(signed(s.secret, String(NOW * 1000))), 'future_timestamp', secrets);
		});

		it('refuses a delivery without its time', () => {
			expectDeliveryError(() => verify(s.withoutTimestamp([s.signature(s.secret, BODY, ts)])), 'missing_header', secrets);
		});
	} else {
		it('signs no time: an old delivery still verifies (dedup downstream), whatever the tolerance', () => {
			expect(verify(signed(), { now: NOW + 10 * 365 * 86_400 })).toEqual({ secretIndex: 0, timestampSec: undefined });
		});
	}

	it('round-trips what signWithPreset sends', () => {
		const headers = signWithPreset(presetId, { secret: s.secret, body: bytes(BODY), timestampSec: NOW, id: MESSAGE_ID });
		expect(verify(headers)).toMatchObject({ secretIndex: 0 });
	});
});

describe('Stripe-Signature entries', () => {
	const { secret, oldSecret } = SENDERS.stripe;
	const verify = (header: string) =>
		verifyWithPreset('stripe', { headers: normalizeHeaders({ 'Stripe-Signature': header }), body: bytes(BODY), secrets: [secret, oldSecret], toleranceSec: 300, clock: at(NOW) });
	const v1 = (timestamp: string) => `v1=${hmac(secret, `${timestamp}.${BODY}`, 'hex')}`;

	it('reads t= wherever it stands, with spaces around entries, and only v1= signatures', () => {
		expect(verify(`${v1(String(NOW))}, t=${NOW}`).timestampSec).toBe(NOW);
		// The right digest under another scheme name is not a v1 signature.
		expectDeliveryError(() => verify(`t=${NOW},v0=${v1(String(NOW)).slice(3)}`), 'bad_signature');
	});

	it('an empty t= is a bad timestamp, a header without t= a missing one', () => {
		expectDeliveryError(() => verify(`t=,${v1('')}`), 'bad_timestamp');
		expectDeliveryError(() => verify(v1(String(NOW))), 'missing_header');
	});
});
