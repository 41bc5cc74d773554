/**
 * Node settings per vendor (as the nodes build them from parameters and credentials), how a
 * sender presents its credentials on a delivery (valid, absent, signed with the wrong secret,
 * padded with odd whitespace, garbage), and one dispatcher to the pure receive functions.
 */
import * as fc from 'fast-check';

import type { Delivery, ReceiveResult } from '../../nodes/shared/delivery';
import type { HeaderBag } from '../../nodes/shared/encoding';
import type { HmacScheme } from '../../nodes/shared/hmac';
import { type ApiRtcSettings, receiveApiRtc } from '../../nodes/ApiRtcTrigger/receive';
import { type EventWebhookSettings, receiveEventWebhook } from '../../nodes/EventWebhookTrigger/receive';
import { type RoomleSettings, receiveRoomle } from '../../nodes/RoomleTrigger/receive';
import { receiveSynchub, type SynchubSettings } from '../../nodes/SynchubTrigger/receive';
import { AUTO_DETECT_HEADERS } from '../../nodes/SynchubTrigger/verify';
import { receiveSynthesisVr, type SynthesisVrSettings } from '../../nodes/SynthesisVrTrigger/receive';
import {
	allowListArb,
	clock,
	headerToken,
	lookalikeHeaderValue,
	NOW_MS,
	NOW_SEC,
	ODD_SPACES,
	secretText,
	type Vendor,
} from './arbitraries';
import { type Algorithm, type Content, type Encoding, encodeDigest, hmac, roomleToken, signedBytes, standardWebhooksHeaders } from './senders';

export type VendorSettings =
	| { vendor: 'synthesisVr'; settings: SynthesisVrSettings }
	| { vendor: 'synchub'; settings: SynchubSettings }
	| { vendor: 'apiRtc'; settings: ApiRtcSettings }
	| { vendor: 'roomle'; settings: RoomleSettings }
	| { vendor: 'eventWebhook'; settings: EventWebhookSettings };

export const VENDOR_NAMES: Record<Vendor, string> = {
	synthesisVr: 'synthesisvr',
	synchub: 'synchub',
	apiRtc: 'apirtc',
	roomle: 'roomle',
	eventWebhook: 'event-webhook',
};

export function receive(configured: VendorSettings, delivery: Delivery): ReceiveResult {
	switch (configured.vendor) {
		case 'synthesisVr':
			return receiveSynthesisVr(delivery, configured.settings);
		case 'synchub':
			return receiveSynchub(delivery, configured.settings, clock);
		case 'apiRtc':
			return receiveApiRtc(delivery, configured.settings);
		case 'roomle':
			return receiveRoomle(delivery, configured.settings, clock);
		case 'eventWebhook':
			return receiveEventWebhook(delivery, configured.settings);
	}
}

/** Whether the node checks a credential (fails closed when it is missing). */
export function authConfigured(configured: VendorSettings): boolean {
	switch (configured.vendor) {
		case 'synthesisVr':
			return configured.settings.token !== undefined;
		case 'synchub':
			return configured.settings.verification.mode !== 'none';
		case 'apiRtc':
			return configured.settings.secretHeader !== undefined;
		case 'roomle':
			return configured.settings.token !== undefined;
		case 'eventWebhook':
			return configured.settings.apiKey !== undefined;
	}
}

/** Every configured secret (and secret-like value) that must never come back. */
export function secretsOf(configured: VendorSettings): string[] {
	const list: string[] = [];
	switch (configured.vendor) {
		case 'synthesisVr':
			if (configured.settings.token) list.push(configured.settings.token.value);
			break;
		case 'synchub': {
			const v = configured.settings.verification;
			if (v.mode !== 'none') list.push(...v.secrets, ...v.secrets.map((s) => s.replace(/^whsec_/, '')));
			break;
		}
		case 'apiRtc':
			if (configured.settings.secretHeader) list.push(configured.settings.secretHeader.value);
			break;
		case 'roomle':
			if (configured.settings.token) list.push(configured.settings.token.secret, configured.settings.token.apiKey);
			break;
		case 'eventWebhook':
			if (configured.settings.apiKey) list.push(...configured.settings.apiKey.keys);
			break;
	}
	return list.filter((secret) => secret !== '');
}

/** Headers that carry the credential, which meta.headers must never show. */
export function secretHeadersOf(configured: VendorSettings): string[] {
	switch (configured.vendor) {
		case 'synthesisVr':
			return configured.settings.token ? [configured.settings.token.headerName, 'authorization'] : [];
		case 'synchub': {
			const v = configured.settings.verification;
			if (v.mode === 'hmac') return [v.signatureHeader];
			if (v.mode === 'standardWebhooks') return ['webhook-signature'];
			return v.mode === 'auto' ? ['webhook-signature', ...AUTO_DETECT_HEADERS] : [];
		}
		case 'apiRtc':
			return configured.settings.secretHeader ? [configured.settings.secretHeader.name] : [];
		case 'roomle':
			return configured.settings.token ? [configured.settings.token.headerName] : [];
		case 'eventWebhook':
			return configured.settings.apiKey ? [configured.settings.apiKey.headerName, 'authorization'] : [];
	}
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const common = {
	allowedIps: allowListArb,
	includeHeaders: fc.boolean(),
	// Mostly the default; sometimes a small limit, so that refusing a large body is exercised too.
	maxBodyBytes: fc.option(fc.integer({ min: 0, max: 4096 }), { freq: 20, nil: undefined }),
};
/** A node filter: mostly empty (everything passes), sometimes a selection. */
const filterList = (values: string[]): fc.Arbitrary<string[]> => fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 2 }, { arbitrary: fc.subarray(values), weight: 1 });
const optional = <T>(arb: fc.Arbitrary<T>, freq = 5): fc.Arbitrary<T | undefined> => fc.option(arb, { freq, nil: undefined });

/** Current secret, or current + previous (rotation), or a blank current with a previous one. */
export const rotatingSecrets = (secret: fc.Arbitrary<string>): fc.Arbitrary<string[]> =>
	fc.oneof(
		{ arbitrary: secret.map((s) => [s]), weight: 4 },
		{ arbitrary: fc.tuple(secret, secret).map(([a, b]) => [a, b]), weight: 2 },
		{ arbitrary: secret.map((s) => ['', s]), weight: 1 },
	);

/** `whsec_<base64>` with 1-64 key bytes (real secrets have 24-64). */
export const whsecArb = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
const headerNameSetting = (usual: string) => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: headerToken, weight: 1 });

export const HMAC_PREFIXES = ['', 'sha256=', 'sha1=', 'sha512=', 'v1=', 'v1,', 't='];
export const hmacSchemeArb: fc.Arbitrary<HmacScheme> = fc.record({
	algorithm: fc.constantFrom('sha1' as const, 'sha256' as const, 'sha512' as const),
	encoding: fc.constantFrom('hex' as const, 'base64' as const),
	prefix: fc.oneof({ arbitrary: fc.constantFrom(...HMAC_PREFIXES), weight: 4 }, { arbitrary: fc.stringMatching(/^[A-Za-z0-9_:=.-]{1,8}$/), weight: 1 }),
	signedContent: fc.constantFrom('body' as const, 'timestamp.body' as const),
});

export const synchubVerificationArb: fc.Arbitrary<SynchubSettings['verification']> = fc.oneof(
	fc.constant({ mode: 'none' as const }),
	fc.record({
		mode: fc.constant('hmac' as const),
		secrets: rotatingSecrets(secretText),
		scheme: hmacSchemeArb,
		signatureHeader: headerNameSetting('x-synchub-signature'),
		timestampHeader: optional(headerNameSetting('x-synchub-timestamp'), 2),
		toleranceSec: fc.constantFrom(0, 5, 300, 86_400),
	}),
	// Sometimes not a whsec_ secret at all (the node must fail closed): distinctive text, so that
	// finding it in an answer means a leak (see secretText).
	fc.record({ mode: fc.constant('standardWebhooks' as const), secrets: rotatingSecrets(fc.oneof({ arbitrary: whsecArb, weight: 8 }, { arbitrary: secretText, weight: 1 })), toleranceSec: fc.constantFrom(0, 5, 300) }),
	fc.record({ mode: fc.constant('auto' as const), secrets: rotatingSecrets(secretText), toleranceSec: fc.constantFrom(0, 5, 300) }),
);

/**
 * A Roomle secret: 16, 24 or 32 ASCII characters (AES-128/192/256), one of them a `~` (see
 * secretText: finding it in an answer must mean a leak); rarely a wrong length.
 */
export const roomleKeyText: fc.Arbitrary<string> = fc
	.tuple(fc.constantFrom(16, 24, 32).chain((n) => fc.string({ unit: 'grapheme-ascii', minLength: n, maxLength: n })), fc.nat())
	.map(([key, at]) => `${key.slice(0, at % key.length)}~${key.slice((at % key.length) + 1)}`);

export const roomleSecretArb = fc.oneof({ arbitrary: roomleKeyText, weight: 10 }, { arbitrary: secretText, weight: 1 });

export const settingsArb: Record<Vendor, fc.Arbitrary<VendorSettings>> = {
	synthesisVr: fc
		.record({
			...common,
			token: optional(fc.record({ value: secretText, headerName: headerNameSetting('x-webhook-token'), queryName: headerNameSetting('token') })),
			actions: filterList(['create', 'delete', 'update']),
			maxEvents: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 10, nil: undefined }),
		})
		.map((settings) => ({ vendor: 'synthesisVr' as const, settings })),
	synchub: fc
		.record({
			...common,
			verification: synchubVerificationArb,
			kinds: filterList(['syncRunCompleted', 'insightPopulationCompleted', 'other']),
			outcome: fc.constantFrom('any' as const, 'success' as const, 'failure' as const),
		})
		.map((settings) => ({ vendor: 'synchub' as const, settings })),
	apiRtc: fc
		.record({
			...common,
			secretHeader: optional(fc.record({ name: headerNameSetting('x-webhook-secret'), value: secretText })),
			objects: filterList(['ticket', 'media', 'conversation', 'smsmessage']),
			events: filterList(['create', 'update', 'delete']),
		})
		.map((settings) => ({ vendor: 'apiRtc' as const, settings })),
	roomle: fc
		.record({
			...common,
			token: optional(
				fc.record({
					headerName: headerNameSetting('token'),
					apiKey: secretText,
					secret: roomleSecretArb,
					toleranceSec: fc.constantFrom(0, 5, 300),
					cbcIv: fc.constantFrom('auto' as const, 'prefixed' as const),
				}),
			),
			events: filterList(['email.savedConfiguration', 'email.shareConfiguration', 'email.3DExportAsset']),
		})
		.map((settings) => ({ vendor: 'roomle' as const, settings })),
	eventWebhook: fc
		.record({
			...common,
			apiKey: optional(fc.record({ keys: rotatingSecrets(secretText), headerName: headerNameSetting('x-api-key') })),
			eventTypes: filterList(['user.created', 'order.*', '*']),
		})
		.map((settings) => ({ vendor: 'eventWebhook' as const, settings })),
};

// ---------------------------------------------------------------------------------------------
// How the sender presents its credential
// ---------------------------------------------------------------------------------------------

export type PresentationKind = 'valid' | 'absent' | 'wrongSecret' | 'padded' | 'garbage';

export interface Presentation {
	kind: PresentationKind;
	/** Picks among equivalent choices (which secret, header or query, encoding style ...). */
	choice: number;
	/** Fraction of the tolerance window to move the timestamp by, in (-1, 1). */
	skew: number;
	otherSecret: string;
	pad: string;
	garbage: string;
	session: string;
}

export const presentationArb: fc.Arbitrary<Presentation> = fc.record({
	kind: fc.constantFrom<PresentationKind>('valid', 'valid', 'valid', 'absent', 'wrongSecret', 'padded', 'garbage'),
	choice: fc.nat(),
	skew: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
	otherSecret: secretText,
	pad: fc.string({ unit: fc.constantFrom(...ODD_SPACES), minLength: 1, maxLength: 3 }),
	garbage: lookalikeHeaderValue,
	session: fc.oneof(fc.constant('anonymous'), fc.stringMatching(/^[A-Za-z0-9._-]{1,22}$/)),
});

/** The kinds that must never be accepted by a node that checks a credential. */
export const MUST_REFUSE: ReadonlySet<PresentationKind> = new Set(['absent', 'wrongSecret', 'garbage']);

export interface Credentials {
	headers: Record<string, string>;
	query: Record<string, unknown>;
}

const pick = <T>(list: readonly T[], choice: number): T => list[choice % list.length];
const nonBlank = (secrets: string[]) => secrets.filter((s) => s !== '');

/** A fresh timestamp (inside the tolerance window around `nowSec` when there is one). */
function freshSeconds(toleranceSec: number, skew: number, nowSec: number): number {
	return toleranceSec > 0 ? nowSec + Math.trunc(skew * (toleranceSec - 1)) : nowSec + Math.trunc(skew * 1e6);
}

/**
 * The credential headers/query for `body` as the sender would send them. `nowSec` is the
 * receiver's clock: the fixed {@link NOW_SEC} for the pure functions, the real time for n8n.
 */
export function present(configured: VendorSettings, body: Buffer, p: Presentation, nowSec = NOW_SEC): Credentials {
	const none: Credentials = { headers: {}, query: {} };
	if (p.kind === 'absent' || !authConfigured(configured)) return none;
	const finish = (headers: Record<string, string>, query: Record<string, unknown> = {}): Credentials => {
		if (p.kind === 'padded') {
			for (const name of Object.keys(headers)) headers[name] = p.pad + headers[name] + p.pad;
		}
		if (p.kind === 'garbage') {
			for (const name of Object.keys(headers)) headers[name] = p.garbage;
			for (const name of Object.keys(query)) query[name] = p.garbage;
		}
		return { headers, query };
	};
	const secretFor = (secrets: string[]) => (p.kind === 'wrongSecret' ? p.otherSecret : pick(nonBlank(secrets).length > 0 ? nonBlank(secrets) : [''], p.choice));

	switch (configured.vendor) {
		case 'synthesisVr': {
			const token = configured.settings.token!;
			const value = p.kind === 'wrongSecret' ? p.otherSecret : token.value;
			const where = p.choice % 3;
			if (where === 0) return finish({ [token.headerName]: value });
			return finish({}, { [token.queryName]: where === 1 ? value : [value] });
		}
		case 'apiRtc': {
			const header = configured.settings.secretHeader!;
			return finish({ [header.name]: p.kind === 'wrongSecret' ? p.otherSecret : header.value });
		}
		case 'eventWebhook': {
			const apiKey = configured.settings.apiKey!;
			const key = secretFor(apiKey.keys);
			return finish(p.choice % 2 === 0 ? { [apiKey.headerName]: key } : { authorization: `Bearer ${key}` });
		}
		case 'roomle': {
			const token = configured.settings.token!;
			const secret = p.kind === 'wrongSecret' ? p.otherSecret.padEnd(16, 'x').slice(0, 16) : token.secret;
			if (![16, 24, 32].includes(Buffer.byteLength(secret))) return finish({ [token.headerName]: '02-AAAA' });
			const iv = token.cbcIv === 'prefixed' ? 'prefixed' : pick(['zero', 'key'] as const, p.choice);
			const algorithm = token.cbcIv === 'prefixed' ? '01' : pick(['01', '02'] as const, p.choice >> 1);
			const date = new Date(freshSeconds(token.toleranceSec, p.skew, nowSec) * 1000 + (p.choice % 1000));
			return finish({ [token.headerName]: roomleToken({ secret, apiKey: token.apiKey, sessionToken: p.session, date, algorithm, iv }) });
		}
		case 'synchub':
			return finish(synchubHeaders(configured.settings, body, p, secretFor, nowSec));
	}
}

function synchubHeaders(settings: SynchubSettings, body: Buffer, p: Presentation, secretFor: (secrets: string[]) => string, nowSec: number): Record<string, string> {
	const v = settings.verification;
	if (v.mode === 'none') return {};
	if (v.mode === 'standardWebhooks') {
		const secret = p.kind === 'wrongSecret' ? `whsec_${Buffer.from(p.otherSecret).toString('base64')}` : secretFor(v.secrets);
		const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
		return standardWebhooksHeaders(key, `msg_${p.choice}`, String(freshSeconds(v.toleranceSec, p.skew, nowSec)), body);
	}
	const secret = secretFor(v.secrets);
	const seconds = freshSeconds(v.toleranceSec, p.skew, nowSec);
	const timestamp = pick([String(seconds), String(seconds * 1000 + 7), new Date(seconds * 1000).toISOString()], p.choice);
	const style = { encoding: 'hex' as Encoding, variant: (p.choice & 4) !== 0, unpadded: (p.choice & 8) !== 0 };
	if (v.mode === 'hmac') {
		const { algorithm, encoding, prefix, signedContent } = v.scheme;
		const headers: Record<string, string> = {};
		if (v.timestampHeader) headers[v.timestampHeader] = timestamp;
		const digest = hmac(algorithm, secret, signedBytes(signedContent, body, timestamp));
		headers[v.signatureHeader] = prefix + encodeDigest(digest, { ...style, encoding });
		return headers;
	}
	// Auto-detect: one of the usual headers, prefixes, algorithms and encodings.
	const header = pick(AUTO_DETECT_HEADERS, p.choice >> 4);
	const algorithm = pick<Algorithm>(['sha256', 'sha1', 'sha512'], p.choice >> 2);
	const encoding = pick<Encoding>(['hex', 'base64'], p.choice >> 1);
	const prefix = pick(['', `${algorithm}=`, 'v1,', 'v1='], p.choice >> 3);
	const content: Content = (p.choice >> 5) % 2 === 0 ? 'body' : 'timestamp.body';
	const headers: Record<string, string> = {};
	if (content === 'timestamp.body') headers[pick(['x-synchub-timestamp', 'x-timestamp', 'x-webhook-timestamp'], p.choice >> 6)] = String(seconds);
	headers[header] = prefix + encodeDigest(hmac(algorithm, secret, signedBytes(content, body, String(seconds))), { ...style, encoding });
	return headers;
}

/** Merges hostile headers with the credential headers, in either order (the first match wins in lookups). */
export function mergeHeaders(hostile: HeaderBag, credentials: Record<string, string>, credentialsFirst: boolean): HeaderBag {
	const entries = credentialsFirst ? [...Object.entries(credentials), ...Object.entries(hostile)] : [...Object.entries(hostile), ...Object.entries(credentials)];
	return Object.fromEntries(entries) as HeaderBag;
}

export { NOW_MS };
