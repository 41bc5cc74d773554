/**
 * The parsers and verifiers one by one.
 *
 * 1. Hostile input: each returns its documented type or throws a 4xx DeliveryError, nothing
 *    else, and a random credential is never accepted.
 * 2. Each signing scheme: a validly signed input is accepted (and names the secret that matched);
 *    the same input with ANY single byte of the body changed, inserted or deleted, or any single
 *    character of the signature/token/key replaced, is refused with 401, unless the change is
 *    neutral (same digest in another accepted spelling: see senders.ts).
 */
import * as fc from 'fast-check';

import { verifySharedSecret } from '../../nodes/shared/apiKey';
import { admitDelivery } from '../../nodes/shared/delivery';
import { decodeBase64, decodeHex, headerValue, normalizeHeaders, trimOws } from '../../nodes/shared/encoding';
import { type HmacScheme, signatureCandidates, signHmac, verifyHmac } from '../../nodes/shared/hmac';
import { ipMatchesAny, parseAllowList } from '../../nodes/shared/net';
import { verifyRoomleToken } from '../../nodes/shared/roomleToken';
import { normaliseEventTime } from '../../nodes/EventWebhookTrigger/schema';
import { classifySynchubEvent } from '../../nodes/SynchubTrigger/schema';
import { signStandardWebhook, verifyStandardWebhook } from '../../nodes/shared/standardWebhooks';
import { assertFreshTimestamp, parseIsoDate, parseTimestamp, parseUnixSeconds } from '../../nodes/shared/timestamps';
import { parseJsonBody } from '../../nodes/shared/validation';
import {
	allowListArb,
	anyText,
	bodyFor,
	clock,
	headerMap,
	headerSafeSecret,
	ipArb,
	jsonText,
	lookalikeHeaderValue,
	NOW_MS,
	NOW_SEC,
	padded,
	rawBytes,
	RECEIVED_AT,
	secretText,
} from './arbitraries';
import { attempt, distinctive, ensure, ensureUnauthorized } from './contracts';
import { fuzz, KNOWN_BUGS, note } from './run';
import { hmacSchemeArb, roomleKeyText, roomleSecretArb, rotatingSecrets, whsecArb } from './scenarios';
import {
	byteEdit,
	charEdit,
	DIGEST_LENGTH,
	editBytes,
	editChar,
	encodeDigest,
	hmac,
	mayPassAfterEdit,
	roomleToken,
	signedBytes,
	standardWebhooksHeaders,
} from './senders';

const anyNumber = fc.oneof(
	fc.double(),
	fc.integer(),
	fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_SAFE_INTEGER, 1e300, -1e300),
);
const anyTimestampText = fc.oneof(padded(anyText), padded(lookalikeHeaderValue), fc.string({ unit: fc.constantFrom('0', '1', '9', '-', ':', 'T', 'Z', '.', '+', ' ') }));

// ---------------------------------------------------------------------------------------------
// 1. Parsers and verifiers under hostile input
// ---------------------------------------------------------------------------------------------

describe('parsers: hostile input', () => {
	fuzz('decodeBase64 / decodeHex: any text gives bytes or undefined, never a throw', () =>
		fc.property(fc.oneof(anyText, lookalikeHeaderValue, padded(lookalikeHeaderValue)), (text) => {
			for (const decoded of [decodeBase64(text), decodeHex(text)]) {
				ensure(decoded === undefined || Buffer.isBuffer(decoded), 'a Buffer or undefined');
			}
			note(decodeBase64(text) === undefined ? 'not base64' : 'base64');
		}),
	);

	fuzz('decodeBase64 / decodeHex: every encoding of any bytes decodes back to them', () =>
		fc.property(rawBytes, fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom('', ' ', '\t', ' \t '), (bytes, urlSafe, unpadded, upper, ows) => {
			let b64 = bytes.toString(urlSafe ? 'base64url' : 'base64');
			if (!urlSafe && unpadded) b64 = b64.replace(/=+$/, '');
			const fromBase64 = decodeBase64(ows + b64 + ows);
			ensure(fromBase64 !== undefined && fromBase64.equals(bytes), () => `base64 ${JSON.stringify(b64)} did not decode back`);
			if (bytes.length > 0) {
				const hex = upper ? bytes.toString('hex').toUpperCase() : bytes.toString('hex');
				const fromHex = decodeHex(ows + hex + ows);
				ensure(fromHex !== undefined && fromHex.equals(bytes), () => `hex ${hex} did not decode back`);
			}
		}),
	);

	fuzz('headerValue / trimOws / signatureCandidates: any header map, never a throw; values trimmed as HTTP does', () =>
		fc.property(headerMap, fc.oneof(fc.mixedCase(fc.constantFrom('x-signature', 'webhook-id', 'token', 'authorization')), anyText), fc.nat(), anyText, (headers, other, pick, prefix) => {
			// Mostly a name the map holds, in another case.
			const names = Object.keys(headers);
			const name = names.length > 0 && pick % 4 !== 0 ? (pick % 2 === 0 ? names[pick % names.length].toUpperCase() : names[pick % names.length]) : other;
			const value = headerValue(normalizeHeaders(headers), name);
			if (value === undefined) {
				note('absent');
				return;
			}
			note('present');
			ensure(typeof value === 'string' && value !== '', 'a present header is a non-empty string');
			ensure(trimOws(value) === value, () => `${JSON.stringify(value)} keeps spaces or tabs around it`);
			for (const candidate of signatureCandidates(value, prefix)) ensure(typeof candidate === 'string', 'candidates are strings');
		}),
	);

	fuzz('parseTimestamp / parseUnixSeconds / parseIsoDate: a finite whole number of seconds, or bad_timestamp (4xx)', () =>
		fc.property(anyTimestampText, (text) => {
			for (const parse of [parseTimestamp, parseUnixSeconds]) {
				const outcome = attempt(() => parse(text));
				// Negative is possible (an ISO date before 1970): the window check refuses it.
				if (outcome.accepted) ensure(Number.isSafeInteger(outcome.value), () => `${JSON.stringify(text)} parsed to ${outcome.value}`);
			}
			const ms = parseIsoDate(text);
			ensure(typeof ms === 'number', 'parseIsoDate returns a number (NaN when not a date)');
		}),
	);

	fuzz('assertFreshTimestamp: any numbers, only a 4xx DeliveryError; a time inside the window passes', () =>
		fc.property(anyNumber, anyNumber, fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: -1, max: 1, noNaN: true }), (timestamp, tolerance, window, skew) => {
			attempt(() => assertFreshTimestamp(timestamp, tolerance, clock));
			const inside = NOW_SEC + Math.trunc(skew * window);
			const fresh = attempt(() => assertFreshTimestamp(inside, window, clock));
			ensure(fresh.accepted, () => `${inside} was refused with a window of ${window} s around ${NOW_SEC}`);
			const outside = attempt(() => assertFreshTimestamp(skew < 0 ? NOW_SEC - window - 1 : NOW_SEC + window + 1, window, clock));
			ensure(!outside.accepted, 'a time outside the window passed');
		}),
	);

	fuzz('parseJsonBody: any bytes give a value or a 4xx DeliveryError', () =>
		fc.property(fc.oneof(rawBytes, jsonText.map((text) => Buffer.from(text)), bodyFor('synchub'), bodyFor('synthesisVr')), (body) => {
			attempt(() => parseJsonBody(body));
		}),
	);

	fuzz('parseJsonBody: plain JSON (no prototype keys, shallow) reads exactly as JSON.parse does', () =>
		fc.property(
			fc.jsonValue({ maxDepth: 6 }).filter((value) => !/"(__proto__|constructor|prototype)"/.test(JSON.stringify(value))),
			fc.constantFrom(0, 2, '\t'),
			(value, indent) => {
				const text = JSON.stringify(value, null, indent);
				const outcome = attempt(() => parseJsonBody(Buffer.from(text, 'utf8')));
				ensure(outcome.accepted, () => `valid JSON was refused: ${text.slice(0, 200)}`);
				expect(outcome.value).toStrictEqual(JSON.parse(text));
			},
		),
	);

	fuzz('normaliseEventTime / classifySynchubEvent: any value, never a throw', () =>
		fc.property(fc.oneof(anyText, lookalikeHeaderValue, anyNumber), fc.dictionary(anyText, fc.jsonValue({ maxDepth: 2 })), (time, payload) => {
			const iso = normaliseEventTime(time as string | number);
			ensure(iso === undefined || !Number.isNaN(Date.parse(iso)), () => `normaliseEventTime gave ${iso}`);
			const { eventType, kind, outcome } = classifySynchubEvent(payload);
			ensure(typeof eventType === 'string' && typeof kind === 'string' && typeof outcome === 'string', 'a classification of strings');
		}),
	);

	fuzz('IP allow-list: any list and address, only a 4xx DeliveryError (403 or not configured)', () =>
		fc.property(fc.oneof(allowListArb, anyText), ipArb, (allowedIps, ip) => {
			try {
				const list = parseAllowList(allowedIps ?? '');
				if (ip !== undefined) ensure(typeof ipMatchesAny(ip, list) === 'boolean', 'ipMatchesAny gives a boolean');
			} catch {
				// The operator's list is broken: admitDelivery answers that, below.
			}
			attempt(() => admitDelivery({ body: Buffer.alloc(0), headers: normalizeHeaders({}), query: {}, ip, receivedAt: RECEIVED_AT }, { allowedIps }));
		}),
	);
});

describe('verifiers: hostile input', () => {
	fuzz('verifyHmac: any scheme, secrets, signature, timestamp, id and tolerance; a random signature never passes', () =>
		fc.property(
			fc.record({
				scheme: fc.record({
					algorithm: fc.constantFrom('sha1' as const, 'sha256' as const, 'sha512' as const),
					encoding: fc.constantFrom('hex' as const, 'base64' as const),
					prefix: fc.oneof(fc.constantFrom('', 'sha256=', 'v1,'), anyText),
					signedContent: fc.constantFrom('body' as const, 'timestamp.body' as const, 'id.timestamp.body' as const),
				}),
				secrets: fc.array(fc.oneof(secretText, fc.constant(''), fc.uint8Array({ minLength: 8, maxLength: 40 }).map((b) => Buffer.from(b))), { maxLength: 3 }),
				body: rawBytes,
				signature: fc.option(padded(fc.oneof(lookalikeHeaderValue, anyText)), { nil: undefined }),
				timestamp: fc.option(anyTimestampText, { nil: undefined }),
				timestampHeaderName: fc.option(fc.constantFrom('x-timestamp', ''), { nil: undefined }),
				timestampFormat: fc.constantFrom(undefined, 'unixSeconds' as const, 'any' as const),
				id: fc.option(anyText, { nil: undefined }),
				toleranceSec: anyNumber,
			}),
			(input) => {
				const secrets = input.secrets.filter((secret) => secret.length > 0);
				const outcome = attempt(() => verifyHmac({ ...input, signatureHeaderName: 'x-signature', clock }), secrets);
				ensure(!outcome.accepted, 'a random signature was accepted');
			},
		),
	);

	fuzz('verifyStandardWebhook: any headers and secrets; random headers never pass', () =>
		fc.property(headerMap, rotatingSecrets(fc.oneof(whsecArb, anyText, secretText)), fc.option(anyNumber, { nil: undefined }), rawBytes, (headers, secrets, toleranceSec, body) => {
			const outcome = attempt(() => verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets, toleranceSec, clock }), distinctive(secrets));
			ensure(!outcome.accepted, 'random headers were accepted');
		}),
	);

	fuzz('verifySharedSecret: any headers, query and keys; accepts only a value equal to a configured key', () =>
		fc.property(
			headerMap,
			fc.dictionary(fc.constantFrom('token', 'key', '__proto__'), fc.oneof(anyText, fc.array(anyText, { maxLength: 2 }), fc.constant(undefined))),
			fc.array(fc.oneof(secretText, fc.constant(''), anyText), { maxLength: 3 }),
			fc.constantFrom('x-api-key', 'token', 'authorization', ''),
			fc.boolean(),
			(headers, query, keys, headerName, allowBearer) => {
				const outcome = attempt(() => verifySharedSecret({ headers: normalizeHeaders(headers), headerName, allowBearer, query, queryName: 'token', keys }), distinctive(keys));
				if (!outcome.accepted) return;
				// Accepted: the matching key is configured, not blank, and was really sent.
				const key = keys[outcome.value.keyIndex];
				ensure(typeof key === 'string' && key !== '', () => `keyIndex ${outcome.value.keyIndex} names no configured key`);
				const sent = JSON.stringify([headers, query]);
				ensure(sent.includes(JSON.stringify(key).slice(1, -1)), 'an accepted key was not in the request');
			},
		),
	);

	fuzz('verifyRoomleToken: any token, secret, api key and tolerance; a random token never passes', () =>
		fc.property(
			fc.option(padded(fc.oneof(lookalikeHeaderValue, anyText, fc.base64String().map((b) => `02-${b}`), fc.base64String().map((b) => `01-${b}`))), { nil: undefined }),
			fc.oneof(roomleSecretArb, anyText),
			fc.oneof(secretText, anyText),
			anyNumber,
			fc.constantFrom(undefined, 'auto' as const, 'prefixed' as const),
			(token, secret, apiKey, toleranceSec, cbcIv) => {
				const outcome = attempt(() => verifyRoomleToken({ token, headerName: 'token', secret, apiKey, toleranceSec, clock, cbcIv }), distinctive([secret, apiKey]));
				ensure(!outcome.accepted, 'a random token was accepted');
			},
		),
	);
});

// ---------------------------------------------------------------------------------------------
// 2. Signed inputs: accepted as sent, refused after any single change
// ---------------------------------------------------------------------------------------------

/** A signing secret: text, or raw key bytes (Standard Webhooks keys are bytes). */
const hmacSecret = fc.oneof({ arbitrary: secretText, weight: 3 }, { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)), weight: 1 });

const signedHmacCase = fc.record({
	scheme: fc.tuple(hmacSchemeArb, fc.boolean()).map(([scheme, withId]): HmacScheme => (withId ? { ...scheme, signedContent: 'id.timestamp.body' } : scheme)),
	secrets: fc.oneof(hmacSecret.map((s) => [s]), fc.tuple(hmacSecret, hmacSecret).map(([a, b]) => [a, b]), hmacSecret.map((s) => ['', s])),
	signWith: fc.nat(),
	body: fc.oneof(rawBytes, bodyFor('synchub')),
	style: fc.record({ variant: fc.boolean(), unpadded: fc.boolean() }),
	timestampStyle: fc.constantFrom('seconds', 'milliseconds', 'iso'),
	skew: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
	toleranceSec: fc.constantFrom(0, 5, 300),
	id: fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/),
	/** Other signatures in the header (rotation, other versions); they must not get in the way. */
	others: fc.array(fc.uint8Array({ minLength: 20, maxLength: 64 }).map((b) => Buffer.from(b)), { maxLength: 2 }),
});

type SignedHmacCase = typeof signedHmacCase extends fc.Arbitrary<infer T> ? T : never;

function buildHmac(c: SignedHmacCase) {
	const usable = c.secrets.map((secret, index) => ({ secret, index })).filter(({ secret }) => secret.length > 0);
	const { secret, index } = usable[c.signWith % usable.length];
	const seconds = c.toleranceSec > 0 ? NOW_SEC + Math.trunc(c.skew * (c.toleranceSec - 1)) : NOW_SEC + Math.trunc(c.skew * 1e6);
	const timestamp = c.timestampStyle === 'seconds' ? String(seconds) : c.timestampStyle === 'milliseconds' ? String(seconds * 1000 + 999) : new Date(seconds * 1000).toISOString();
	const { algorithm, encoding, prefix, signedContent } = c.scheme;
	const digest = hmac(algorithm, secret, signedBytes(signedContent, c.body, timestamp, c.id));
	const encoded = encodeDigest(digest, { encoding, ...c.style });
	const separator = prefix.includes(',') ? ' ' : ', ';
	const others = c.others.map((other) => prefix + encodeDigest(other, { encoding, ...c.style }));
	return { secret, index, timestamp, digest, encoded, signature: prefix + encoded, rotationHeader: [...others, prefix + encoded].join(separator) };
}

function runHmac(c: SignedHmacCase, body: Buffer, signature: string, timestamp: string, id: string) {
	const b = buildHmac(c);
	const leaks = [...c.secrets, b.digest];
	return attempt(
		() =>
			verifyHmac({
				scheme: c.scheme,
				secrets: c.secrets,
				body,
				signature,
				signatureHeaderName: 'x-signature',
				timestamp: c.scheme.signedContent === 'body' ? undefined : timestamp,
				timestampHeaderName: c.scheme.signedContent === 'body' ? undefined : 'x-timestamp',
				id: c.scheme.signedContent === 'id.timestamp.body' ? id : undefined,
				toleranceSec: c.toleranceSec,
				clock,
			}),
		leaks,
	);
}

describe('signed inputs: valid accepted, any single change refused', () => {
	fuzz('verifyHmac: every algorithm × encoding × signed content × prefix: valid accepted (also among rotation signatures), the right secret named', () =>
		fc.property(signedHmacCase, (c) => {
			const b = buildHmac(c);
			for (const header of [b.signature, b.rotationHeader]) {
				const outcome = runHmac(c, c.body, header, b.timestamp, c.id);
				ensure(outcome.accepted, () => `a valid signature was refused: ${outcome.accepted ? '' : outcome.error.code} (${header})`);
				ensure(outcome.value.secretIndex === b.index, () => `secretIndex ${outcome.value.secretIndex}, signed with ${b.index}`);
			}
			// The sender the nodes use (signHmac) produces the same header.
			ensure(signHmac(c.scheme, b.secret, { body: c.body, timestamp: b.timestamp, id: c.id }).toLowerCase() === (c.scheme.prefix + encodeDigest(b.digest, { encoding: c.scheme.encoding, variant: false, unpadded: false })).toLowerCase(), 'signHmac disagrees with node:crypto');
		}),
	);

	fuzz('verifyHmac: any single body byte changed, inserted or deleted → 401', () =>
		fc.property(signedHmacCase, byteEdit, (c, edit) => {
			const b = buildHmac(c);
			ensureUnauthorized(runHmac(c, editBytes(c.body, edit), b.signature, b.timestamp, c.id), `a body with one byte ${edit.kind}d`);
		}),
	);

	fuzz('verifyHmac: any single character of the signature, signed timestamp or id replaced → 401 (unless the same digest)', () =>
		fc.property(signedHmacCase, charEdit, fc.constantFrom('signature', 'timestamp', 'id'), (c, edit, target) => {
			const b = buildHmac(c);
			if (target === 'signature' || c.scheme.signedContent === 'body') {
				const changed = editChar(b.signature, edit);
				const outcome = runHmac(c, c.body, changed.text, b.timestamp, c.id);
				const layout = { prefix: c.scheme.prefix, encoded: b.encoded, encoding: c.scheme.encoding, bytes: DIGEST_LENGTH[c.scheme.algorithm] };
				if (mayPassAfterEdit(layout, changed)) {
					note(outcome.accepted ? 'neutral edit, accepted' : 'neutral edit, refused');
					return;
				}
				ensureUnauthorized(outcome, `signature ${JSON.stringify(changed.text)} (was ${JSON.stringify(b.signature)})`);
			} else if (target === 'timestamp' || c.scheme.signedContent === 'timestamp.body') {
				const changed = editChar(b.timestamp, edit);
				ensureUnauthorized(runHmac(c, c.body, b.signature, changed.text, c.id), `signed timestamp ${JSON.stringify(changed.text)} (was ${b.timestamp})`);
			} else {
				const changed = editChar(c.id, edit);
				ensureUnauthorized(runHmac(c, c.body, b.signature, b.timestamp, changed.text), `signed id ${JSON.stringify(changed.text)} (was ${c.id})`);
			}
		}),
	);

	const standardCase = fc.record({
		secrets: rotatingSecrets(whsecArb.filter((s) => s.length > 'whsec_'.length + 4)),
		signWith: fc.nat(),
		body: fc.oneof(rawBytes, bodyFor('synchub')),
		id: fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/),
		skew: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
		toleranceSec: fc.constantFrom(undefined, 5, 300),
	});
	type StandardCase = typeof standardCase extends fc.Arbitrary<infer T> ? T : never;
	const buildStandard = (c: StandardCase) => {
		const usable = c.secrets.map((secret, index) => ({ secret, index })).filter(({ secret }) => secret !== '');
		const { secret, index } = usable[c.signWith % usable.length];
		const window = c.toleranceSec ?? 300;
		const timestamp = String(NOW_SEC + Math.trunc(c.skew * (window - 1)));
		const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
		return { secret, index, key, timestamp, headers: standardWebhooksHeaders(key, c.id, timestamp, c.body) };
	};
	const runStandard = (c: StandardCase, headers: Record<string, string>, body: Buffer, key: Buffer) =>
		attempt(() => verifyStandardWebhook({ headers: normalizeHeaders(headers), body, secrets: c.secrets, toleranceSec: c.toleranceSec, clock }), [...c.secrets, key]);

	fuzz('Standard Webhooks: valid accepted (signStandardWebhook agrees), any body byte or header character changed → 401', () =>
		fc.property(standardCase, byteEdit, charEdit, fc.constantFrom('body', 'webhook-id', 'webhook-timestamp', 'webhook-signature'), (c, bodyEdit, headerEdit, target) => {
			const s = buildStandard(c);
			const valid = runStandard(c, s.headers, c.body, s.key);
			ensure(valid.accepted, () => `a valid Standard Webhooks delivery was refused: ${valid.accepted ? '' : valid.error.code}`);
			ensure(valid.value.secretIndex === s.index && valid.value.id === c.id, 'the right secret and id');
			const signed = signStandardWebhook({ secret: s.secret, body: c.body, timestamp: Number(s.timestamp), id: c.id });
			ensure(signed['webhook-signature'] === s.headers['webhook-signature'], 'signStandardWebhook disagrees with node:crypto');

			if (target === 'body') {
				ensureUnauthorized(runStandard(c, s.headers, editBytes(c.body, bodyEdit), s.key), `a body with one byte ${bodyEdit.kind}d`);
				return;
			}
			const changed = editChar(s.headers[target], headerEdit);
			const outcome = runStandard(c, { ...s.headers, [target]: changed.text }, c.body, s.key);
			if (target === 'webhook-signature') {
				const layout = { prefix: 'v1,', encoded: s.headers[target].slice(3), encoding: 'base64' as const, bytes: 32 };
				if (mayPassAfterEdit(layout, changed)) {
					note(outcome.accepted ? 'neutral edit, accepted' : 'neutral edit, refused');
					return;
				}
			}
			ensureUnauthorized(outcome, `${target}: ${JSON.stringify(changed.text)} (was ${JSON.stringify(s.headers[target])})`);
		}),
	);

	fuzz('Standard Webhooks: a webhook-timestamp that is not integer seconds is refused (401), even when signed over that text', () =>
		fc.property(
			standardCase,
			fc.constantFrom('milliseconds', 'iso', 'fraction', 'plus', 'exponent', 'hex', 'negative', 'spaces inside'),
			(c, form) => {
				const s = buildStandard(c);
				const seconds = Number(s.timestamp);
				const text = {
					milliseconds: String(seconds * 1000),
					iso: new Date(seconds * 1000).toISOString(),
					fraction: `${seconds}.5`,
					plus: `+${seconds}`,
					exponent: `${seconds / 1e9}e9`,
					hex: `0x${seconds.toString(16)}`,
					negative: `-${seconds}`,
					'spaces inside': `${String(seconds).slice(0, 5)} ${String(seconds).slice(5)}`,
				}[form];
				const headers = standardWebhooksHeaders(s.key, c.id, text, c.body);
				ensureUnauthorized(runStandard(c, headers, c.body, s.key), `webhook-timestamp ${JSON.stringify(text)} (${form})`);
			},
		),
	);

	const sharedCase = fc.record({
		keys: rotatingSecrets(headerSafeSecret),
		pick: fc.nat(),
		where: fc.constantFrom('header', 'bearer', 'query'),
		ows: fc.constantFrom('', ' ', '\t', ' \t'),
	});

	fuzz('API key / shared token / custom header: valid accepted (header, bearer, query); any character replaced → 401 (unless it still equals a key)', () =>
		fc.property(sharedCase, charEdit, (c, edit) => {
			const usable = c.keys.map((key, index) => ({ key, index })).filter(({ key }) => key !== '');
			const { key, index } = usable[c.pick % usable.length];
			const sent = c.where === 'bearer' ? `Bearer ${key}` : key;
			const run = (value: string) =>
				attempt(
					() =>
						verifySharedSecret({
							headers: normalizeHeaders(c.where === 'query' ? {} : { [c.where === 'bearer' ? 'Authorization' : 'X-Api-Key']: c.ows + value + c.ows }),
							headerName: 'x-api-key',
							allowBearer: true,
							query: c.where === 'query' ? { token: value } : {},
							queryName: 'token',
							keys: c.keys,
						}),
					c.keys,
				);
			const valid = run(sent);
			ensure(valid.accepted, () => `a valid key was refused (${c.where}): ${valid.accepted ? '' : valid.error.code}`);
			ensure(valid.value.keyIndex === index && valid.value.source === c.where, () => `keyIndex ${valid.value.keyIndex} / ${valid.value.source}`);

			const changed = editChar(sent, edit);
			const outcome = run(changed.text);
			const inScheme = c.where === 'bearer' && changed.index < 'Bearer '.length;
			const neutral =
				(inScheme && changed.before.toLowerCase() === changed.after.toLowerCase()) ||
				(inScheme && changed.before === ' ' && changed.after === '\t') ||
				c.keys.includes(changed.text) ||
				(c.where === 'bearer' && c.keys.includes(changed.text.replace(/^bearer[ \t]+/i, '')));
			if (neutral) {
				note(outcome.accepted ? 'neutral edit, accepted' : 'neutral edit, refused');
				return;
			}
			ensureUnauthorized(outcome, `key ${JSON.stringify(changed.text)} (${c.where})`);
		}),
	);

	const roomleCase = fc.record({
		secret: roomleKeyText,
		apiKey: secretText,
		// Session tokens long enough to hold a whole AES block are malleable: see roomle.test.ts.
		sessionToken: fc.oneof(fc.constant('anonymous'), fc.stringMatching(/^[A-Za-z0-9._-]{1,22}$/)),
		cbcIv: fc.constantFrom('auto' as const, 'prefixed' as const),
		choice: fc.nat(),
		skew: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
		toleranceSec: fc.constantFrom(5, 300),
	});
	type RoomleCase = typeof roomleCase extends fc.Arbitrary<infer T> ? T : never;
	const buildRoomle = (c: RoomleCase) => {
		const iv = c.cbcIv === 'prefixed' ? ('prefixed' as const) : c.choice % 2 === 0 ? ('zero' as const) : ('key' as const);
		const algorithm = c.cbcIv === 'prefixed' ? ('01' as const) : (c.choice >> 1) % 2 === 0 ? ('01' as const) : ('02' as const);
		const date = new Date(NOW_MS + Math.trunc(c.skew * (c.toleranceSec - 1)) * 1000);
		return { iv, algorithm, token: roomleToken({ secret: c.secret, apiKey: c.apiKey, sessionToken: c.sessionToken, date, algorithm, iv }) };
	};
	const runRoomle = (c: RoomleCase, token: string) =>
		attempt(() => verifyRoomleToken({ token, headerName: 'token', secret: c.secret, apiKey: c.apiKey, toleranceSec: c.toleranceSec, clock, cbcIv: c.cbcIv }), [c.secret, c.apiKey]);

	fuzz('Roomle token: valid accepted (01 zero/key/prefixed IV, 02); any character replaced → 401 (unless the same ciphertext)', () =>
		fc.property(roomleCase, charEdit, (c, edit) => {
			const r = buildRoomle(c);
			const valid = runRoomle(c, r.token);
			ensure(valid.accepted, () => `a valid token was refused: ${valid.accepted ? '' : valid.error.code} (${r.token})`);
			ensure(valid.value.sessionToken === c.sessionToken && valid.value.algorithm === r.algorithm, 'the token read back');

			const changed = editChar(r.token, edit);
			// With a prefixed IV the sender chooses the IV, so block 1 (the date) can be steered:
			// roomleToken.ts documents this, and the node accepts prefixed IVs only when asked to.
			// Edits to the IV's characters are left out of this property.
			if (c.cbcIv === 'prefixed' && changed.index < 3 + 22) {
				note('prefixed IV edit (documented)');
				return;
			}
			const outcome = runRoomle(c, changed.text);
			const bytes = Buffer.from(r.token.slice(3), 'base64').length;
			if (mayPassAfterEdit({ prefix: '01-', encoded: r.token.slice(3), encoding: 'base64', bytes }, changed)) {
				note(outcome.accepted ? 'neutral edit, accepted' : 'neutral edit, refused');
				return;
			}
			ensureUnauthorized(outcome, `token ${changed.text} (was ${r.token})`);
		}),
	);
});

// ---------------------------------------------------------------------------------------------
// KNOWN BUG (found here, not fixed): Roomle tokens with a long session token are malleable
// ---------------------------------------------------------------------------------------------

/**
 * Nothing authenticates a Roomle token's ciphertext (AES-ECB/CBC, no MAC), and the session-token
 * field accepts any text. When a 16-byte block decrypts entirely inside the session token (a
 * session token of 23 bytes or more), changing that block (ECB) or that block and the bit it
 * flips in the next one (CBC) still yields a token with the right shape, date and api key: it is
 * accepted, with a garbled session token. A holder of one captured token can so mint up to 2^128
 * distinct tokens that all verify, within the token's time window (since cf11e3e the replay cache
 * keys on the decrypted issue time and the body, so these copies are still recognised as
 * replays; what remains is a token accepted with a session token nobody sent). Tokens with
 * "anonymous" (or any session token under 23 bytes) are not affected. A fix: require the
 * decrypted plaintext to be valid UTF-8 with a printable session token (a garbled block then
 * fails with probability about 1 - 2^-40).
 *
 * Skipped unless FUZZ_KNOWN_BUGS=1 (it fails within a few runs).
 */
(KNOWN_BUGS ? describe : describe.skip)('known bug: Roomle token malleability', () => {
	fuzz('Roomle token: any single ciphertext byte changed → 401, whatever the session token', () =>
		fc.property(
			fc.record({
				secret: roomleKeyText,
				apiKey: secretText,
				sessionToken: fc.stringMatching(/^[A-Za-z0-9._-]{23,80}$/),
				algorithm: fc.constantFrom('01' as const, '02' as const),
				iv: fc.constantFrom('zero' as const, 'key' as const),
			}),
			fc.nat(),
			fc.integer({ min: 1, max: 255 }),
			(c, at, xor) => {
				const token = roomleToken({ ...c, date: new Date(NOW_MS) });
				const bytes = Buffer.from(token.slice(3), 'base64');
				bytes[at % bytes.length] ^= xor;
				const changed = `${token.slice(0, 3)}${bytes.toString('base64')}`;
				const outcome = attempt(() => verifyRoomleToken({ token: changed, headerName: 'token', secret: c.secret, apiKey: c.apiKey, toleranceSec: 300, clock }), [c.secret, c.apiKey]);
				ensure(!outcome.accepted, () => `token ${changed} (byte ${at % bytes.length} ^ ${xor}, was ${token}) was accepted with session token ${JSON.stringify(outcome.accepted ? outcome.value.sessionToken : '')}`);
			},
		),
	);
});
