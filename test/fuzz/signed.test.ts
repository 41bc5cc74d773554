/**
 * Signed deliveries through the receive functions, per scheme: SYNCHUB HMAC (every algorithm ×
 * encoding × signed content × prefix, with and without a timestamp header, rotation), Standard
 * Webhooks, SYNCHUB auto-detect, the Roomle token, the API key (header or bearer), the SynthesisVR
 * shared token (header or query) and the ApiRTC custom header.
 *
 * A valid delivery is accepted with meta.verified and the secret that matched; the same delivery
 * with any single body byte changed/inserted/deleted (where the scheme covers the body), or any
 * single character of the credential replaced, is refused with 401, never accepted and never a
 * payload diagnostic (verification comes before parsing). A neutral change (same digest in another
 * accepted spelling, see senders.ts) may pass.
 *
 * The token and key schemes do not cover the body (Roomle's token, API keys, shared tokens): a
 * changed body cannot be detected there, by design, so only their credential is mutated.
 */
import { normalizeHeaders } from '../../nodes/shared/encoding';
import * as fc from 'fast-check';

import type { Delivery } from '../../nodes/shared/delivery';
import { AUTO_DETECT_HEADERS } from '../../nodes/SynchubTrigger/verify';
import { headerSafeSecret, NOW_MS, NOW_SEC, RECEIVED_AT, secretText } from './arbitraries';
import { attempt, ensure, ensureAccepted, ensureUnauthorized, findPrototypeKey } from './contracts';
import { fuzz, note } from './run';
import { hmacSchemeArb, receive, roomleKeyText, rotatingSecrets, secretHeadersOf, secretsOf, VENDOR_NAMES, type VendorSettings, whsecArb } from './scenarios';
import {
	type Algorithm,
	byteEdit,
	type ByteEdit,
	charEdit,
	type CharEdit,
	DIGEST_LENGTH,
	editBytes,
	editChar,
	type Encoding,
	encodeDigest,
	hmac,
	mayPassAfterEdit,
	roomleToken,
	signedBytes,
	standardWebhooksHeaders,
} from './senders';

// ---------------------------------------------------------------------------------------------
// Valid bodies (documented fields present), as JSON text
// ---------------------------------------------------------------------------------------------

const text = fc.string({ maxLength: 20 });
/** JSON values without prototype keys (fast-check likes to generate "__proto__"): those bodies are refused by design. */
const plainJson = (maxDepth: number) => fc.jsonValue({ maxDepth }).filter((value) => findPrototypeKey(value) === undefined);
const json = (value: unknown, indent: number) => Buffer.from(JSON.stringify(value, null, indent), 'utf8');
const indent = fc.constantFrom(0, 2);

const synthesisVrBody = fc
	.tuple(
		fc.array(
			fc.record({
				uuid: fc.uuid(),
				action: fc.constantFrom('create', 'delete'),
				location: text,
				stations: fc.nat(64),
				customerid: fc.oneof(fc.nat(), text, fc.constant(null)),
			}),
			{ minLength: 1, maxLength: 3 },
		),
		indent,
	)
	.map(([events, n]) => json(events, n));

const apiRtcBody = fc
	.tuple(
		fc.record({
			event: fc.constantFrom('create', 'update', 'delete'),
			time: fc.integer({ min: 0, max: 2_000_000_000 }),
			object: fc.constantFrom('ticket', 'media', 'conversation', 'smsmessage'),
			objectId: fc.oneof(fc.nat(), fc.uuid()),
			props: fc.constantFrom({}, { state: 'invited' }, { eventType: 'conversationEnded', name: 'TEST' }),
		}),
		indent,
	)
	.map(([event, n]) => json(event, n));

const roomleBody = fc
	.tuple(
		fc.record({
			event: fc.constantFrom('email.savedConfiguration', 'email.shareConfiguration', 'email.shareConfigurationAR', 'email.3DExportAsset'),
			data: fc.record({ success: fc.boolean(), email: fc.emailAddress(), configurationId: text }, { requiredKeys: [] }),
		}),
		indent,
	)
	.map(([event, n]) => json(event, n));

const eventWebhookBody = fc
	.tuple(
		fc.record({
			event_time: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constant(new Date(NOW_MS).toISOString())),
			event_type: fc.constantFrom('user.created', 'order.paid'),
			current_context: plainJson(2),
			data: plainJson(3),
		}),
		indent,
	)
	.map(([event, n]) => json(event, n));

const synchubBody = fc
	.tuple(
		fc.record(
			{
				event: fc.constantFrom('sync_run_completed', 'insight_population_completed'),
				runId: text,
				status: fc.constantFrom('success', 'failed'),
				rows: fc.nat(),
				data: plainJson(3),
			},
			{ requiredKeys: ['event'] },
		),
		indent,
	)
	.map(([event, n]) => json(event, n));

// ---------------------------------------------------------------------------------------------
// One signed delivery, and where a single change can be made
// ---------------------------------------------------------------------------------------------

/** How a one-character edit of the credential header is judged (see senders.ts). */
type Credential =
	/** `anyPrefix`: auto-detect also takes a bare digest, so a damaged prefix in front of it may pass. */
	| { kind: 'digest'; header: string; prefix: string; encoded: string; encoding: Encoding; bytes: number; anyPrefix?: boolean }
	| { kind: 'token'; header: string }
	| { kind: 'key'; header: string; keys: string[]; bearer: boolean }
	| { kind: 'query'; name: string; keys: string[] };

interface Signed {
	configured: VendorSettings;
	body: Buffer;
	headers: Record<string, string>;
	query: Record<string, unknown>;
	credential: Credential;
	/** Whether the signature covers the body. */
	bodyCovered: boolean;
	/** Other signed headers (a signed timestamp, the message id): any edit must be refused. */
	signedHeaders: string[];
	/** Which configured secret signed it, when the node reports it. */
	secretIndex?: number;
	/** Which field of meta.verification holds it. */
	indexField?: 'secretIndex' | 'keyIndex';
}

interface Change {
	target: 'body' | 'credential' | 'signed';
	body: ByteEdit;
	char: CharEdit;
	pick: number;
}

const changeArb: fc.Arbitrary<Change> = fc.record({
	target: fc.constantFrom('body' as const, 'credential' as const, 'signed' as const),
	body: byteEdit,
	char: charEdit,
	pick: fc.nat(),
});

const usable = (secrets: string[], pick: number) => {
	const list = secrets.map((secret, index) => ({ secret, index })).filter(({ secret }) => secret !== '');
	return list[pick % list.length];
};
const headerCase = (name: string, upper: boolean) => (upper ? name.toUpperCase() : name);
const fresh = (toleranceSec: number, skew: number) => (toleranceSec > 0 ? NOW_SEC + Math.trunc(skew * (toleranceSec - 1)) : NOW_SEC + Math.trunc(skew * 1e6));

function deliveryOf(body: Buffer, headers: Record<string, string>, query: Record<string, unknown>): Delivery {
	return { body, headers: normalizeHeaders({ 'content-type': 'application/json', ...headers }), query, ip: '203.0.113.7', receivedAt: RECEIVED_AT };
}

/** Accepted as sent; refused (401) after one change, unless the change is neutral. */
function checkSigned(s: Signed, change: Change): void {
	const secrets = secretsOf(s.configured);
	const run = (body: Buffer, headers: Record<string, string>, query: Record<string, unknown>) => {
		const delivery = deliveryOf(body, headers, query);
		return { delivery, outcome: attempt(() => receive(s.configured, delivery), secrets) };
	};

	const valid = run(s.body, s.headers, s.query);
	ensure(valid.outcome.accepted, () => `a valid delivery was refused: ${valid.outcome.accepted ? '' : `${valid.outcome.error.code} (${valid.outcome.error.message})`}`);
	ensure(valid.outcome.value.items.length >= 1, 'a valid delivery yields items');
	ensureAccepted(valid.outcome.value, valid.delivery, {
		vendor: VENDOR_NAMES[s.configured.vendor],
		verified: true,
		includeHeaders: s.configured.settings.includeHeaders === true,
		secretHeaders: secretHeadersOf(s.configured),
		secrets,
	});
	const field = s.indexField;
	if (field !== undefined) {
		const verification = valid.outcome.value.items[0].meta.verification ?? {};
		ensure(verification[field] === s.secretIndex, () => `meta.verification.${field} is ${String(verification[field])}, signed with ${s.secretIndex}`);
	}

	const target = change.target === 'body' && !s.bodyCovered ? 'credential' : change.target === 'signed' && s.signedHeaders.length === 0 ? 'body' : change.target;
	if (target === 'body' && s.bodyCovered) {
		const body = editBytes(s.body, change.body);
		ensureUnauthorized(run(body, s.headers, s.query).outcome, `the body with one byte ${change.body.kind}d`);
		return;
	}
	if (target === 'signed') {
		const name = s.signedHeaders[change.pick % s.signedHeaders.length];
		const changed = editChar(s.headers[name], change.char);
		ensureUnauthorized(run(s.body, { ...s.headers, [name]: changed.text }, s.query).outcome, `signed header ${name}: ${JSON.stringify(changed.text)}`);
		return;
	}
	const c = s.credential;
	const original = c.kind === 'query' ? String(s.query[c.name]) : s.headers[c.header];
	const changed = editChar(original, change.char);
	const { outcome } = c.kind === 'query' ? run(s.body, s.headers, { ...s.query, [c.name]: changed.text }) : run(s.body, { ...s.headers, [c.header]: changed.text }, s.query);
	let neutral = false;
	if (c.kind === 'digest') neutral = mayPassAfterEdit(c, changed) || (c.anyPrefix === true && changed.index < c.prefix.length);
	if (c.kind === 'token') neutral = mayPassAfterEdit({ prefix: original.slice(0, 3), encoded: original.slice(3), encoding: 'base64', bytes: Buffer.from(original.slice(3), 'base64').length }, changed);
	if (c.kind === 'key' || c.kind === 'query') {
		const value = c.kind === 'key' && c.bearer ? changed.text.replace(/^bearer[ \t]+/i, '') : changed.text;
		const inScheme = c.kind === 'key' && c.bearer && changed.index < 'Bearer '.length;
		neutral = c.keys.includes(value) || (inScheme && (changed.before.toLowerCase() === changed.after.toLowerCase() || (changed.before === ' ' && changed.after === '\t')));
	}
	if (neutral) {
		note(outcome.accepted ? 'neutral edit, accepted' : 'neutral edit, refused');
		return;
	}
	ensureUnauthorized(outcome, `credential ${JSON.stringify(changed.text)} (was ${JSON.stringify(original)})`);
}

// ---------------------------------------------------------------------------------------------
// Schemes
// ---------------------------------------------------------------------------------------------

const common = fc.record({ includeHeaders: fc.boolean(), upper: fc.boolean(), pick: fc.nat(), skew: fc.double({ min: -0.99, max: 0.99, noNaN: true }) });

const synchubHmac: fc.Arbitrary<Signed> = fc
	.record({
		c: common,
		scheme: hmacSchemeArb,
		secrets: rotatingSecrets(secretText),
		signatureHeader: fc.constantFrom('x-synchub-signature', 'x-signature', 'signature'),
		timestampHeader: fc.option(fc.constantFrom('x-synchub-timestamp', 'x-timestamp'), { nil: undefined }),
		timestampStyle: fc.constantFrom('seconds', 'milliseconds', 'iso'),
		toleranceSec: fc.constantFrom(0, 5, 300),
		style: fc.record({ variant: fc.boolean(), unpadded: fc.boolean() }),
		body: synchubBody,
	})
	.map(({ c, scheme, secrets, signatureHeader, timestampHeader: optionalTimestamp, timestampStyle, toleranceSec, style, body }): Signed => {
		const timestampHeader = scheme.signedContent === 'timestamp.body' ? (optionalTimestamp ?? 'x-synchub-timestamp') : optionalTimestamp;
		const { secret, index } = usable(secrets, c.pick);
		const seconds = fresh(toleranceSec, c.skew);
		const timestamp = timestampStyle === 'seconds' ? String(seconds) : timestampStyle === 'milliseconds' ? String(seconds * 1000 + 1) : new Date(seconds * 1000).toISOString();
		const encoded = encodeDigest(hmac(scheme.algorithm, secret, signedBytes(scheme.signedContent, body, timestamp)), { encoding: scheme.encoding, ...style });
		const sigName = headerCase(signatureHeader, c.upper);
		const tsName = timestampHeader === undefined ? undefined : headerCase(timestampHeader, !c.upper);
		const headers: Record<string, string> = { [sigName]: scheme.prefix + encoded, ...(tsName ? { [tsName]: timestamp } : {}) };
		return {
			configured: { vendor: 'synchub', settings: { includeHeaders: c.includeHeaders, verification: { mode: 'hmac', secrets, scheme, signatureHeader, timestampHeader, toleranceSec } } },
			body,
			headers,
			query: {},
			credential: { kind: 'digest', header: sigName, prefix: scheme.prefix, encoded, encoding: scheme.encoding, bytes: DIGEST_LENGTH[scheme.algorithm] },
			bodyCovered: true,
			// A timestamp outside the signed content is only checked for freshness: it may change.
			signedHeaders: scheme.signedContent === 'timestamp.body' && tsName ? [tsName] : [],
			secretIndex: index,
			indexField: 'secretIndex',
		};
	});

const synchubStandard: fc.Arbitrary<Signed> = fc
	.record({ c: common, secrets: rotatingSecrets(whsecArb.filter((s) => s.length > 'whsec_'.length + 4)), id: fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/), toleranceSec: fc.constantFrom(5, 300), body: synchubBody })
	.map(({ c, secrets, id, toleranceSec, body }): Signed => {
		const { secret, index } = usable(secrets, c.pick);
		const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
		const headers = standardWebhooksHeaders(key, id, String(fresh(toleranceSec, c.skew)), body);
		return {
			configured: { vendor: 'synchub', settings: { includeHeaders: c.includeHeaders, verification: { mode: 'standardWebhooks', secrets, toleranceSec } } },
			body,
			headers,
			query: {},
			credential: { kind: 'digest', header: 'webhook-signature', prefix: 'v1,', encoded: headers['webhook-signature'].slice(3), encoding: 'base64', bytes: 32 },
			bodyCovered: true,
			signedHeaders: ['webhook-id', 'webhook-timestamp'],
			secretIndex: index,
			indexField: 'secretIndex',
		};
	});

const synchubAuto: fc.Arbitrary<Signed> = fc
	.record({
		c: common,
		secrets: rotatingSecrets(secretText),
		header: fc.constantFrom(...AUTO_DETECT_HEADERS.filter((name) => name !== 'webhook-signature')),
		algorithm: fc.constantFrom<Algorithm>('sha256', 'sha1', 'sha512'),
		encoding: fc.constantFrom<Encoding>('hex', 'base64'),
		prefixKind: fc.constantFrom('none', 'algorithm', 'v1,', 'v1='),
		timestamped: fc.boolean(),
		toleranceSec: fc.constantFrom(5, 300),
		body: synchubBody,
	})
	.map(({ c, secrets, header, algorithm, encoding, prefixKind, timestamped, toleranceSec, body }): Signed => {
		const { secret, index } = usable(secrets, c.pick);
		const prefix = prefixKind === 'none' ? '' : prefixKind === 'algorithm' ? `${algorithm}=` : prefixKind;
		const timestamp = String(fresh(toleranceSec, c.skew));
		const encoded = encodeDigest(hmac(algorithm, secret, signedBytes(timestamped ? 'timestamp.body' : 'body', body, timestamp)), { encoding, variant: false, unpadded: false });
		const headers: Record<string, string> = { [header]: prefix + encoded, ...(timestamped ? { 'x-synchub-timestamp': timestamp } : {}) };
		return {
			configured: { vendor: 'synchub', settings: { includeHeaders: c.includeHeaders, verification: { mode: 'auto', secrets, toleranceSec } } },
			body,
			headers,
			query: {},
			credential: { kind: 'digest', header, prefix, encoded, encoding, bytes: DIGEST_LENGTH[algorithm], anyPrefix: true },
			bodyCovered: true,
			signedHeaders: timestamped ? ['x-synchub-timestamp'] : [],
			secretIndex: index,
			indexField: 'secretIndex',
		};
	});

const roomle: fc.Arbitrary<Signed> = fc
	.record({
		c: common,
		secret: roomleKeyText,
		apiKey: secretText,
		// Long session tokens make a ciphertext block malleable: see roomle-malleability in known-bugs.
		session: fc.oneof(fc.constant('anonymous'), fc.stringMatching(/^[A-Za-z0-9._-]{1,22}$/)),
		headerName: fc.constantFrom('token', 'x-roomle-token'),
		algorithm: fc.constantFrom('01' as const, '02' as const),
		iv: fc.constantFrom('zero' as const, 'key' as const),
		toleranceSec: fc.constantFrom(5, 300),
		body: roomleBody,
	})
	.map(({ c, secret, apiKey, session, headerName, algorithm, iv, toleranceSec, body }): Signed => {
		const date = new Date(fresh(toleranceSec, c.skew) * 1000 + (c.pick % 1000));
		const name = headerCase(headerName, c.upper);
		return {
			configured: { vendor: 'roomle', settings: { includeHeaders: c.includeHeaders, token: { headerName, apiKey, secret, toleranceSec, cbcIv: 'auto' } } },
			body,
			headers: { [name]: roomleToken({ secret, apiKey, sessionToken: session, date, algorithm, iv }) },
			query: {},
			credential: { kind: 'token', header: name },
			bodyCovered: false,
			signedHeaders: [],
		};
	});

const eventWebhook: fc.Arbitrary<Signed> = fc
	.record({ c: common, keys: rotatingSecrets(headerSafeSecret), headerName: fc.constantFrom('x-api-key', 'x-webhook-key'), bearer: fc.boolean(), body: eventWebhookBody })
	.map(({ c, keys, headerName, bearer, body }): Signed => {
		const { secret, index } = usable(keys, c.pick);
		const header = bearer ? headerCase('authorization', c.upper) : headerCase(headerName, c.upper);
		return {
			configured: { vendor: 'eventWebhook', settings: { includeHeaders: c.includeHeaders, apiKey: { keys, headerName } } },
			body,
			headers: { [header]: bearer ? `Bearer ${secret}` : secret },
			query: {},
			credential: { kind: 'key', header, keys, bearer },
			bodyCovered: false,
			signedHeaders: [],
			secretIndex: index,
			indexField: 'keyIndex',
		};
	});

const synthesisVr: fc.Arbitrary<Signed> = fc
	.record({ c: common, token: fc.boolean().chain((inQuery) => fc.tuple(fc.constant(inQuery), inQuery ? secretText : headerSafeSecret)), body: synthesisVrBody })
	.map(({ c, token: [inQuery, token], body }): Signed => {
		const header = headerCase('x-webhook-token', c.upper);
		return {
			configured: { vendor: 'synthesisVr', settings: { includeHeaders: c.includeHeaders, token: { value: token, headerName: 'x-webhook-token', queryName: 'token' } } },
			body,
			headers: inQuery ? {} : { [header]: token },
			query: inQuery ? { token } : {},
			credential: inQuery ? { kind: 'query', name: 'token', keys: [token] } : { kind: 'key', header, keys: [token], bearer: false },
			bodyCovered: false,
			signedHeaders: [],
		};
	});

const apiRtc: fc.Arbitrary<Signed> = fc
	.record({ c: common, secret: headerSafeSecret, headerName: fc.constantFrom('X-Webhook-Secret', 'x-apirtc-key'), body: apiRtcBody })
	.map(({ c, secret, headerName, body }): Signed => {
		const header = headerCase(headerName, c.upper);
		return {
			configured: { vendor: 'apiRtc', settings: { includeHeaders: c.includeHeaders, secretHeader: { name: headerName, value: secret } } },
			body,
			headers: { [header]: secret },
			query: {},
			credential: { kind: 'key', header, keys: [secret], bearer: false },
			bodyCovered: false,
			signedHeaders: [],
		};
	});

const SCHEMES: Array<[string, fc.Arbitrary<Signed>]> = [
	['SYNCHUB HMAC (algorithm × encoding × signed content × prefix, timestamp header, rotation)', synchubHmac],
	['SYNCHUB Standard Webhooks', synchubStandard],
	['SYNCHUB auto-detect', synchubAuto],
	['Roomle token (01 zero/key IV, 02)', roomle],
	['Event Webhook API key (header or bearer, rotation)', eventWebhook],
	['SynthesisVR shared token (header or query)', synthesisVr],
	['ApiRTC custom header', apiRtc],
];

describe('signed deliveries: accepted as sent, refused after any single change', () => {
	for (const [name, scheme] of SCHEMES) {
		fuzz(`signed ${name}: valid accepted, any single body byte (if signed) or credential character changed → 401`, () =>
			fc.property(scheme, changeArb, (signed, change) => checkSigned(signed, change)),
		);
	}
});

/**
 * A timestamp outside the window is refused (401) whichever content was signed (issue 9: also
 * when auto-detect matched a signature over the body alone, and when the configured scheme signs
 * only the body but names a timestamp header), in both directions.
 */
const staleCase = fc.record({
	mode: fc.constantFrom('hmac' as const, 'auto' as const, 'standardWebhooks' as const),
	signsTimestamp: fc.boolean(),
	secret: secretText,
	whsec: whsecArb.filter((s) => s.length > 'whsec_'.length + 4),
	algorithm: fc.constantFrom<Algorithm>('sha256', 'sha1', 'sha512'),
	encoding: fc.constantFrom<Encoding>('hex', 'base64'),
	toleranceSec: fc.constantFrom(1, 5, 300, 86_400),
	beyond: fc.integer({ min: 1, max: 10_000_000 }),
	future: fc.boolean(),
	style: fc.constantFrom('seconds', 'milliseconds', 'iso'),
	header: fc.constantFrom('x-synchub-timestamp', 'x-timestamp', 'x-webhook-timestamp', 'webhook-timestamp'),
	body: synchubBody,
});

describe('timestamps outside the window', () => {
	fuzz('SYNCHUB (HMAC, auto-detect, Standard Webhooks): a stale or future timestamp → 401, whatever was signed', () =>
		fc.property(staleCase, (c) => {
			const seconds = c.future ? NOW_SEC + c.toleranceSec + c.beyond : NOW_SEC - c.toleranceSec - c.beyond;
			const secrets = [c.secret];
			let settings: VendorSettings;
			let headers: Record<string, string>;
			if (c.mode === 'standardWebhooks') {
				headers = standardWebhooksHeaders(Buffer.from(c.whsec.slice('whsec_'.length), 'base64'), 'msg_1', String(seconds), c.body);
				settings = { vendor: 'synchub', settings: { verification: { mode: 'standardWebhooks', secrets: [c.whsec], toleranceSec: c.toleranceSec } } };
			} else {
				const timestamp = c.mode === 'auto' || c.style === 'seconds' ? String(seconds) : c.style === 'milliseconds' ? String(seconds * 1000) : new Date(seconds * 1000).toISOString();
				const content = c.signsTimestamp ? 'timestamp.body' : 'body';
				const digest = encodeDigest(hmac(c.algorithm, c.secret, signedBytes(content, c.body, timestamp)), { encoding: c.encoding, variant: false, unpadded: false });
				const timestampHeader = c.mode === 'auto' ? c.header : 'x-synchub-timestamp';
				headers = { 'x-synchub-signature': digest, [timestampHeader]: timestamp };
				const scheme = { algorithm: c.algorithm, encoding: c.encoding, prefix: '', signedContent: content } as const;
				settings =
					c.mode === 'auto'
						? { vendor: 'synchub', settings: { verification: { mode: 'auto', secrets, toleranceSec: c.toleranceSec } } }
						: { vendor: 'synchub', settings: { verification: { mode: 'hmac', secrets, scheme, signatureHeader: 'x-synchub-signature', timestampHeader, toleranceSec: c.toleranceSec } } };
			}
			const delivery: Delivery = { body: c.body, headers: normalizeHeaders(headers), query: {}, ip: '203.0.113.7', receivedAt: RECEIVED_AT };
			ensureUnauthorized(attempt(() => receive(settings, delivery), secretsOf(settings)), `a timestamp ${c.future ? 'in the future' : 'in the past'} by ${c.toleranceSec + c.beyond} s (${c.mode}, signed ${c.signsTimestamp ? 'timestamp.body' : 'body'})`);
		}),
	);
});
