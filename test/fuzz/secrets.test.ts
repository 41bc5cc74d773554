/**
 * Secrets are never echoed. For random secrets, deliveries that come close: the right credential
 * with one character changed, cut short or extended, the raw secret itself where a signature or
 * token belongs, the credential moved to another header or query parameter. No error message
 * (the operator's log), no answer to the caller and no meta.verification may contain a configured
 * secret, api key or Standard Webhooks key, nor the signature the node expected (which would let
 * the caller sign anything).
 *
 * Checked on the receive functions (RUNS per vendor) and through n8n's answers (N8N_RUNS per
 * trigger).
 */
import { normalizeHeaders } from '../../nodes/shared/encoding';
import * as fc from 'fast-check';

import type { Delivery } from '../../nodes/shared/delivery';
import { runTriggerWorkflow } from '../helpers/n8n';
import { bodyFor, RECEIVED_AT, type Vendor } from './arbitraries';
import { attempt, ensureAccepted } from './contracts';
import { checkAnswer, nodeConfig } from './n8nHarness';
import { checkAsyncProperty, fuzz, FUZZ_TIMEOUT_MS } from './run';
import { authConfigured, type Credentials, type Presentation, present, presentationArb, receive, secretHeadersOf, secretsOf, settingsArb, VENDOR_NAMES, type VendorSettings } from './scenarios';
import { charEdit, type CharEdit, editChar, hmac } from './senders';

type NearMiss = 'edited' | 'cut' | 'extended' | 'secretInstead' | 'moved';

interface Miss {
	kind: NearMiss;
	edit: CharEdit;
	keep: number;
	extra: string;
	which: number;
}

const missArb: fc.Arbitrary<Miss> = fc.record({
	kind: fc.constantFrom<NearMiss>('edited', 'cut', 'extended', 'secretInstead', 'moved'),
	edit: charEdit,
	keep: fc.nat(),
	extra: fc.constantFrom('x', '=', ' ', '\u00a0', '0', '~'),
	which: fc.nat(),
});

/** Settings with a credential configured (the case where there is a secret to leak). */
const withCredential = (vendor: Vendor) => settingsArb[vendor].filter(authConfigured);

/** The valid credential, changed as `miss` says. */
function nearMiss(configured: VendorSettings, valid: Credentials, miss: Miss): Credentials {
	const secrets = secretsOf(configured);
	const change = (value: string): string => {
		switch (miss.kind) {
			case 'edited':
				return value === '' ? 'x' : editChar(value, miss.edit).text;
			case 'cut':
				return value.slice(0, Math.max(1, value.length - 1 - (miss.keep % Math.max(1, value.length - 1))));
			case 'extended':
				return value + miss.extra;
			default:
				return secrets.length > 0 ? secrets[miss.which % secrets.length] : value;
		}
	};
	if (miss.kind === 'moved') {
		const values = [...Object.values(valid.headers), ...Object.values(valid.query).map(String)];
		const value = values.length > 0 ? values[miss.which % values.length] : (secrets[0] ?? '');
		return { headers: { 'x-forwarded-secret': value, 'x-api-key-2': value }, query: { secret: value, key: value } };
	}
	const headers = Object.fromEntries(Object.entries(valid.headers).map(([name, value]) => [name, change(value)]));
	const query = Object.fromEntries(Object.entries(valid.query).map(([name, value]) => [name, change(Array.isArray(value) ? String(value[0]) : String(value))]));
	return { headers, query };
}

/** Everything that must not come back: the secrets, a Standard Webhooks key's bytes, and every signature the node could expect for this body. */
function leaksOf(configured: VendorSettings, body: Buffer, sent: Credentials): Array<string | Buffer> {
	const leaks: Array<string | Buffer> = [...secretsOf(configured)];
	if (configured.vendor !== 'synchub') return leaks;
	const v = configured.settings.verification;
	if (v.mode === 'none') return leaks;
	const timestamps = Object.values(sent.headers).filter((value) => /^\s*[\d:TZ.-]+\s*$/.test(value));
	for (const secret of v.secrets) {
		if (secret === '') continue;
		const keys: Array<string | Buffer> = [secret];
		if (v.mode === 'standardWebhooks' && /^whsec_/.test(secret)) {
			const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
			keys.push(key);
			leaks.push(key);
		}
		for (const key of keys) {
			for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
				leaks.push(hmac(algorithm, key, body));
				for (const timestamp of timestamps) leaks.push(hmac(algorithm, key, Buffer.concat([Buffer.from(`${timestamp.trim()}.`), body])));
			}
		}
	}
	return leaks;
}

const VENDORS: Vendor[] = ['synthesisVr', 'synchub', 'apiRtc', 'roomle', 'eventWebhook'];
const VALID: Presentation['kind'] = 'valid';

describe('secrets are never echoed', () => {
	for (const vendor of VENDORS) {
		fuzz(`no secret echoed by receive ${vendor}: near-miss credentials, the raw secret sent back, moved credentials`, () =>
			fc.property(withCredential(vendor), bodyFor(vendor), presentationArb, missArb, (configured, body, presentation, miss) => {
				const valid = present(configured, body, { ...presentation, kind: VALID });
				const sent = nearMiss(configured, valid, miss);
				const delivery: Delivery = { body, headers: normalizeHeaders(sent.headers), query: sent.query, ip: '203.0.113.7', receivedAt: RECEIVED_AT };
				const leaks = leaksOf(configured, body, valid);
				const outcome = attempt(() => receive(configured, delivery), leaks);
				if (outcome.accepted) {
					ensureAccepted(outcome.value, delivery, {
						vendor: VENDOR_NAMES[vendor],
						verified: true,
						includeHeaders: configured.settings.includeHeaders === true,
						secretHeaders: secretHeadersOf(configured),
						secrets: leaks,
					});
				}
			}),
		);
	}

	for (const vendor of VENDORS) {
		const name = `no secret echoed by n8n ${vendor}: near-miss credentials answered without the secret`;
		test(
			name,
			async () => {
				await checkAsyncProperty(
					name,
					fc.asyncProperty(withCredential(vendor), bodyFor(vendor), presentationArb, missArb, fc.constantFrom('onReceived' as const, 'lastNode' as const), async (configured, body, presentation, miss, respond) => {
						const valid = present(configured, body, { ...presentation, kind: VALID }, Math.floor(Date.now() / 1000));
						const sent = nearMiss(configured, valid, miss);
						const config = nodeConfig(configured, respond);
						const result = await runTriggerWorkflow({
							node: config.node,
							parameters: config.parameters,
							credentials: config.credentials,
							request: { method: 'POST', body, headers: { 'content-type': 'application/json', ...sent.headers }, query: sent.query as Record<string, string> },
						});
						checkAnswer(result, leaksOf(configured, body, valid));
					}),
				);
			},
			FUZZ_TIMEOUT_MS,
		);
	}
});
