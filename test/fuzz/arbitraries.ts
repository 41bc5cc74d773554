/**
 * Hostile inputs for the receive path: text with odd whitespace, non-ASCII, lone surrogates;
 * header maps (any names and cases, arrays, undefined values); query objects as Express/qs builds
 * them; raw bytes; JSON text that is deep, wide, has odd keys (__proto__, constructor), huge
 * numbers, invalid UTF-8; and vendor-shaped bodies that mostly pass the schemas, so that the
 * code after parsing (filters, meta, dedup keys) is reached too.
 *
 * Objects with odd keys are built with Object.fromEntries so that `__proto__` is an own key, as
 * JSON.parse and Node's header parser make it, never a prototype change.
 */
import * as fc from 'fast-check';

import type { HeaderBag } from '../../nodes/shared/encoding';
import { ROOMLE_EVENTS } from '../../nodes/RoomleTrigger/schema';
import { AUTO_DETECT_HEADERS } from '../../nodes/SynchubTrigger/verify';

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** Unicode spaces that String.prototype.trim() strips but HTTP does not (RFC 9110 §5.5), and a few controls. */
export const ODD_SPACES = [' ', '\t', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u3000', '\ufeff', '\u200b', '\u0085', '\r', '\n', '\r\n', '\v', '\f', '\0'];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const oddSpace = fc.constantFrom(...ODD_SPACES);
const punctuation = fc.constantFrom('"', '\\', ';', ',', '=', '{', '}', '[', ']', ':', '%', '.', '-', '_', '+', '/', '*', '$', '#');
const oddChar = fc.oneof(
	{ arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 3 },
	{ arbitrary: loneSurrogate, weight: 1 },
	{ arbitrary: oddSpace, weight: 2 },
	{ arbitrary: punctuation, weight: 2 },
	{ arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 4 },
);

/** Any text: ASCII, full Unicode, lone surrogates, odd whitespace, JSON/HTTP punctuation. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
	{ arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
	{ arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
	{ arbitrary: fc.string({ unit: oddChar, maxLength: 30 }), weight: 3 },
	{ arbitrary: fc.constantFrom('', ' ', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN'), weight: 1 },
);

/** `text` with odd whitespace (or nothing) before and after it. */
export function padded(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
	const pad = fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, { arbitrary: fc.string({ unit: oddSpace, maxLength: 3 }), weight: 1 });
	return fc.tuple(pad, text, pad).map(([before, value, after]) => before + value + after);
}

/**
 * A realistic secret / key: printable, no surrounding whitespace, at least 8 characters. A `~`
 * is put in its middle: fast-check likes to generate words such as "constructor", which fixed
 * messages contain, and a "secret found in the answer" must mean a leak, not a coincidence.
 */
export const secretText: fc.Arbitrary<string> = fc
	.tuple(
		fc.oneof(
			{ arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 48 }), weight: 4 },
			{ arbitrary: fc.base64String({ minLength: 12, maxLength: 48 }), weight: 2 },
			{ arbitrary: fc.string({ unit: 'grapheme', minLength: 8, maxLength: 24 }), weight: 1 },
		),
		fc.nat(),
	)
	.map(([core, at]) => {
		// Split between code points, never inside a surrogate pair.
		const points = Array.from(core);
		const i = 1 + (at % Math.max(1, points.length - 1));
		return `${points.slice(0, i).join('')}~${points.slice(i).join('')}`;
	})
	.filter((value) => value.trim() === value);

/**
 * A secret a sender can put in an HTTP header: field-vchar, SP and HTAB only (RFC 9110 §5.5;
 * Node reads header bytes as latin-1, so nothing above U+00FF can arrive there).
 */
export const headerSafeSecret: fc.Arbitrary<string> = secretText.filter((value) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value));

/** Header-name-like tokens (RFC 9110 tchar, lower case), for configured header names. */
export const headerToken: fc.Arbitrary<string> = fc.stringMatching(/^[a-z][a-z0-9-]{0,23}$/);

// ---------------------------------------------------------------------------------------------
// Headers, query, IP
// ---------------------------------------------------------------------------------------------

/** Every header name some verifier or auto-detect looks at, plus object-ish names. */
export const KNOWN_HEADER_NAMES = [
	...AUTO_DETECT_HEADERS,
	'webhook-id',
	'webhook-timestamp',
	'x-synchub-timestamp',
	'x-timestamp',
	'x-webhook-timestamp',
	'token',
	'x-webhook-token',
	'x-token',
	'x-api-key',
	'authorization',
	'x-webhook-secret',
	'content-type',
	'content-length',
	'user-agent',
	'cookie',
	'__proto__',
	'constructor',
	'toString',
];

export const headerName: fc.Arbitrary<string> = fc.oneof(
	{ arbitrary: fc.mixedCase(fc.constantFrom(...KNOWN_HEADER_NAMES)), weight: 4 },
	{ arbitrary: headerToken, weight: 1 },
	{ arbitrary: anyText, weight: 1 },
);

const hexText = fc.uint8Array({ maxLength: 70 }).map((bytes) => Buffer.from(bytes).toString('hex'));
const base64Text = fc
	.tuple(fc.uint8Array({ maxLength: 70 }), fc.boolean(), fc.boolean())
	.map(([bytes, urlSafe, unpadded]) => {
		let text = Buffer.from(bytes).toString(urlSafe ? 'base64url' : 'base64');
		if (unpadded) text = text.replace(/=+$/, '');
		return text;
	});

/** Values that look like what verifiers parse: signatures, timestamps, tokens, bearer keys. */
export const lookalikeHeaderValue: fc.Arbitrary<string> = fc.oneof(
	hexText,
	base64Text,
	fc.tuple(fc.constantFrom('sha256=', 'sha1=', 'sha512=', 'v1,', 'v1=', 'V1,', 'SHA256='), fc.oneof(hexText, base64Text)).map(([p, v]) => p + v),
	fc.array(fc.tuple(fc.constantFrom('v1,', 'v1a,', 'v2,', ''), base64Text), { maxLength: 6 }).map((entries) => entries.map(([p, v]) => p + v).join(' ')),
	fc.oneof(fc.nat(), fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }), fc.maxSafeNat()).map(String),
	fc.constantFrom('1e10', '-1', '0x10', '1.5', '9'.repeat(40), '2024-05-01T10:20:31Z', '2024-05-01', '2024-13-45T99:99:99Z', '0001-01-01T00:00:00Z', '275760-09-13T00:00:00Z', 'Infinity', 'NaN'),
	fc.tuple(fc.constantFrom('01-', '02-', '03-', '01', '02-='), base64Text).map(([p, v]) => p + v),
	fc.tuple(fc.mixedCase(fc.constant('bearer')), fc.string({ unit: oddSpace, minLength: 0, maxLength: 3 }), anyText).map(([b, s, v]) => `${b}${s}${v}`),
);

export const headerValueArb: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
	{ arbitrary: padded(anyText), weight: 3 },
	{ arbitrary: padded(lookalikeHeaderValue), weight: 3 },
	{ arbitrary: fc.array(fc.oneof(anyText, lookalikeHeaderValue), { maxLength: 3 }), weight: 1 },
	{ arbitrary: fc.constant(undefined), weight: 1 },
);

/** A header map as any caller might build it (Node's lower-cases names; ours may not be). */
export const headerMap: fc.Arbitrary<HeaderBag> = fc
	.array(fc.tuple(headerName, headerValueArb), { maxLength: 8 })
	.map((entries) => Object.fromEntries(entries) as HeaderBag);

/** Query values as Express (qs) builds them: strings, arrays, nested objects. */
const queryValue: fc.Arbitrary<unknown> = fc.oneof(
	{ arbitrary: anyText, weight: 4 },
	{ arbitrary: fc.array(anyText, { maxLength: 3 }), weight: 1 },
	{ arbitrary: fc.array(fc.tuple(anyText, anyText), { maxLength: 3 }).map((e) => Object.fromEntries(e)), weight: 1 },
	{ arbitrary: fc.constantFrom(undefined, null, 0, 1, true, ''), weight: 1 },
);

export const queryMap: fc.Arbitrary<Record<string, unknown>> = fc
	.array(fc.tuple(fc.oneof(fc.constantFrom('token', 'key', 'api_key', '__proto__', 'constructor'), anyText), queryValue), { maxLength: 5 })
	.map((entries) => Object.fromEntries(entries));

export const ipArb: fc.Arbitrary<string | undefined> = fc.oneof(
	fc.constant(undefined),
	fc.ipV4(),
	fc.ipV6(),
	fc.ipV4Extended(),
	fc.constantFrom('::ffff:203.0.113.7', '[::1]', 'fe80::1%eth0', ' 203.0.113.7 ', '203.0.113.7:443', 'localhost', '', '0', '::'),
	anyText,
);

/** The IP allow-list option: mostly empty, sometimes valid, sometimes broken. */
export const allowListArb: fc.Arbitrary<string | undefined> = fc.oneof(
	{ arbitrary: fc.constantFrom(undefined, ''), weight: 18 },
	{ arbitrary: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.tuple(fc.ipV4(), fc.nat(40)).map(([ip, p]) => `${ip}/${p}`)), { minLength: 1, maxLength: 3 }).map((l) => l.join(', ')), weight: 1 },
	{ arbitrary: anyText, weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// JSON text
// ---------------------------------------------------------------------------------------------

/** Property names that matter to JavaScript objects, written as JSON keys (some escaped). */
const ODD_KEYS_JSON = [
	'"__proto__"',
	'"constructor"',
	'"prototype"',
	'"\\u005f\\u005fproto\\u005f\\u005f"',
	'"__pro\\u0074o__"',
	'"toString"',
	'"valueOf"',
	'"hasOwnProperty"',
	'""',
	'"\\ud800"',
	'"\\u0000"',
	'"a.b"',
	'"[0]"',
];

/** Where a prototype-pollution attempt would show up if it worked. */
export const POLLUTION_MARKER = 'fuzzPolluted';

const pollution = fc.constantFrom(
	`{"__proto__":{"${POLLUTION_MARKER}":true}}`,
	`{"constructor":{"prototype":{"${POLLUTION_MARKER}":true}}}`,
	`{"\\u005f\\u005fproto\\u005f\\u005f":{"${POLLUTION_MARKER}":true}}`,
);

const hostileNumber = fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '0e0', '123456789012345678901234567890', '9007199254740993', '1.7976931348623157e309', '0.1e99999', '-0.0', '1E+2');

export const jsonStringText: fc.Arbitrary<string> = fc.oneof(
	{ arbitrary: anyText.map((text) => JSON.stringify(text)), weight: 4 },
	{ arbitrary: fc.constantFrom('"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\\uFFFF"', '"\\/"', '"\\x41"', '"\\u12"', '"\t"'), weight: 1 },
);

const jsonScalarText: fc.Arbitrary<string> = fc.oneof(
	{ arbitrary: jsonStringText, weight: 3 },
	{ arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => JSON.stringify(n)), weight: 2 },
	{ arbitrary: hostileNumber, weight: 1 },
	{ arbitrary: fc.constantFrom('true', 'false', 'null'), weight: 1 },
);

const jsonKeyText: fc.Arbitrary<string> = fc.oneof(
	{ arbitrary: fc.constantFrom(...ODD_KEYS_JSON), weight: 1 },
	{ arbitrary: jsonStringText, weight: 3 },
);

/** Arbitrary JSON text (well formed), possibly with duplicate and odd keys. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ node: string; array: string; object: string }>((tie) => ({
	node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonScalarText, tie('array'), tie('object'), pollution),
	array: fc.array(tie('node'), { maxLength: 5 }).map((values) => `[${values.join(',')}]`),
	object: fc.array(fc.tuple(jsonKeyText, tie('node')), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
})).node;

/** Deeply nested JSON (arrays or objects), built as text so no recursion is needed to make it. */
export const deepJsonText: fc.Arbitrary<string> = fc
	.tuple(fc.integer({ min: 64, max: 20_000 }), fc.constantFrom('array', 'object'))
	.map(([depth, kind]) => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

/** Wide JSON: many keys or many elements. */
export const wideJsonText: fc.Arbitrary<string> = fc
	.tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('array', 'object'))
	.map(([width, kind]) =>
		kind === 'array'
			? `[${Array.from({ length: width }, (_, i) => i).join(',')}]`
			: `{${Array.from({ length: width }, (_, i) => `"k${i}":${i}`).join(',')}}`,
	);

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

/** Byte sequences that are not UTF-8: lone continuation, overlong, encoded surrogate, truncated, > U+10FFFF. */
export const INVALID_UTF8 = [[0xff], [0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xfe, 0xfe]];

export const rawBytes: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes));

/** Corrupts UTF-8 text: invalid sequences, a BOM, NUL bytes, whitespace, truncation, a changed byte. */
export function corrupted(text: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
	return fc
		.tuple(
			text,
			fc.constantFrom('invalid-utf8', 'bom', 'nul', 'spaces', 'truncate', 'flip', 'trailing'),
			fc.nat(),
			fc.constantFrom(...INVALID_UTF8),
			fc.integer({ min: 1, max: 255 }),
		)
		.map(([value, how, at, invalid, xor]) => {
			const bytes = Buffer.from(value, 'utf8');
			const i = bytes.length === 0 ? 0 : at % bytes.length;
			switch (how) {
				case 'invalid-utf8':
					return Buffer.concat([bytes.subarray(0, i), Buffer.from(invalid), bytes.subarray(i)]);
				case 'bom':
					return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
				case 'nul':
					return Buffer.concat([bytes.subarray(0, i), Buffer.from([0]), bytes.subarray(i)]);
				case 'spaces':
					return Buffer.concat([Buffer.from(' \t\r\n\u00a0'), bytes, Buffer.from('\n\u3000')]);
				case 'truncate':
					return bytes.subarray(0, i);
				case 'flip': {
					const copy = Buffer.from(bytes);
					if (copy.length > 0) copy[i] ^= xor;
					return copy;
				}
				default:
					return Buffer.concat([bytes, Buffer.from('}{,]garbage')]);
			}
		});
}

// ---------------------------------------------------------------------------------------------
// Vendor-shaped bodies
// ---------------------------------------------------------------------------------------------

export type Vendor = 'synthesisVr' | 'synchub' | 'apiRtc' | 'roomle' | 'eventWebhook';

/** A field written either with a valid value (mostly), a hostile value, or left out. */
type Field = [key: string, value: fc.Arbitrary<unknown>];

function objectText(fields: Field[], extraKeys = true): fc.Arbitrary<string> {
	const entries = fields.map(([key, valid]) =>
		fc.oneof(
			{ arbitrary: valid.map((value) => `${JSON.stringify(key)}:${JSON.stringify(value)}`), weight: 12 },
			{ arbitrary: fc.oneof(jsonScalarText, jsonText).map((value) => `${JSON.stringify(key)}:${value}`), weight: 1 },
			{ arbitrary: fc.constant(''), weight: 1 },
		),
	);
	const extra = extraKeys
		? fc.oneof({ arbitrary: fc.constant([] as string[]), weight: 3 }, { arbitrary: fc.array(fc.tuple(jsonKeyText, jsonText).map(([k, v]) => `${k}:${v}`), { maxLength: 3 }), weight: 1 })
		: fc.constant([] as string[]);
	return fc.tuple(fc.tuple(...entries), extra).map(([parts, more]) => `{${[...parts, ...more].filter((part) => part !== '').join(',')}}`);
}

const shortText = fc.string({ maxLength: 16 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 24 });
const unixSeconds = fc.integer({ min: 0, max: 4_102_444_800 });
const isoDate = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());

const synthesisVrEvent = objectText([
	['uuid', fc.oneof(fc.uuid(), nonEmpty)],
	['action', fc.oneof(fc.constantFrom('create', 'delete'), nonEmpty)],
	['location', shortText],
	['stations', fc.nat(64)],
	['customerid', fc.oneof(fc.nat(), shortText)],
]);

const apiRtcProps = objectText([
	['state', fc.constantFrom('new', 'open', 'invited', 'inprogress', 'done', 'completed', 'error')],
	['geoloc', fc.record({ lat: fc.double({ noNaN: true, noDefaultInfinity: true }), lng: fc.double({ noNaN: true, noDefaultInfinity: true }) })],
	['_parent', fc.record({ name: fc.constantFrom('ticket', 'conference', 'conversation'), id: fc.oneof(fc.nat(), shortText) })],
	['eventType', fc.constant('conversationEnded')],
	['name', shortText],
	['finishedAt', isoDate],
]);

const apiRtcEvent = fc
	.tuple(
		objectText([
			['event', fc.constantFrom('create', 'update', 'delete')],
			['time', unixSeconds],
			['object', fc.constantFrom('ticket', 'media', 'conversation', 'smsmessage')],
			['objectId', fc.oneof(fc.nat(), fc.uuid())],
		]),
		apiRtcProps,
	)
	.map(([head, props]) => (head === '{}' ? `{"props":${props}}` : `${head.slice(0, -1)},"props":${props}}`));

const roomleData = objectText([
	['success', fc.boolean()],
	['email', fc.emailAddress()],
	['configurationId', shortText],
	['itemId', shortText],
	['configuratorId', shortText],
	['url', fc.webUrl()],
	['resultUrl', fc.webUrl()],
]);

const roomleEvent = fc
	.tuple(objectText([['event', fc.oneof(fc.constantFrom(...ROOMLE_EVENTS), nonEmpty)]]), fc.option(roomleData, { freq: 8 }))
	.map(([head, data]) => (data === null ? head : head === '{}' ? `{"data":${data}}` : `${head.slice(0, -1)},"data":${data}}`));

const genericEvent = objectText([
	['event_time', fc.oneof(isoDate, unixSeconds, unixSeconds.map((s) => s * 1000), unixSeconds.map(String), fc.constantFrom('2024-05-01', 'yesterday', ''))],
	['event_type', fc.oneof(fc.constantFrom('user.created', 'order.paid', 'order.refunded'), nonEmpty)],
	['current_context', fc.jsonValue({ maxDepth: 2 })],
	['data', fc.jsonValue({ maxDepth: 3 })],
]);

const synchubEvent = objectText([
	['event', fc.constantFrom('sync_run_completed', 'sync.run.completed', 'insight_population_completed', 'other')],
	['type', shortText],
	['id', fc.oneof(fc.uuid(), fc.nat())],
	['runId', shortText],
	['endpoint', shortText],
	['status', fc.constantFrom('success', 'failed', 'completed', 'error', 'weird')],
	['success', fc.boolean()],
	['data', fc.jsonValue({ maxDepth: 2 })],
	['test', fc.boolean()],
]);

/** Valid-looking JSON text of one vendor (SynthesisVR: one event or an array of them). */
export function vendorJsonText(vendor: Vendor): fc.Arbitrary<string> {
	switch (vendor) {
		case 'synthesisVr':
			return fc.oneof(synthesisVrEvent, fc.array(synthesisVrEvent, { maxLength: 6 }).map((events) => `[${events.join(',')}]`));
		case 'apiRtc':
			return apiRtcEvent;
		case 'roomle':
			return roomleEvent;
		case 'eventWebhook':
			return genericEvent;
		case 'synchub':
			return synchubEvent;
	}
}

/** A huge value for one vendor: deep nesting inside a valid event, many events, or a very long string. */
function vendorPathological(vendor: Vendor): fc.Arbitrary<string> {
	const inside = (value: string): string => {
		switch (vendor) {
			case 'synthesisVr':
				return `{"uuid":"u1","action":"create","extra":${value}}`;
			case 'apiRtc':
				return `{"event":"update","time":1575976413,"object":"smsmessage","objectId":1,"props":{"x":${value}}}`;
			case 'roomle':
				return `{"event":"email.savedConfiguration","data":{"x":${value}}}`;
			case 'eventWebhook':
				return `{"event_time":1764000000,"event_type":"user.created","current_context":{},"data":${value}}`;
			case 'synchub':
				return `{"event":"sync_run_completed","data":${value}}`;
		}
	};
	const many =
		vendor === 'synthesisVr'
			? fc.integer({ min: 100, max: 20_000 }).map((n) => `[${Array.from({ length: n }, (_, i) => `{"uuid":"u${i}","action":"create"}`).join(',')}]`)
			: wideJsonText.map(inside);
	return fc.oneof(
		deepJsonText.map(inside),
		many,
		fc.integer({ min: 100_000, max: 2_500_000 }).map((n) => inside(JSON.stringify('x'.repeat(n)))),
		deepJsonText,
	);
}

/**
 * A body for `vendor`: mostly vendor-shaped JSON (valid or nearly), then corrupted bytes,
 * arbitrary JSON, raw bytes, and rarely (they are expensive) deep, wide or huge bodies.
 */
export function bodyFor(vendor: Vendor): fc.Arbitrary<Buffer> {
	const utf8 = (text: string) => Buffer.from(text, 'utf8');
	return fc.oneof(
		{ arbitrary: vendorJsonText(vendor).map(utf8), weight: 120 },
		{ arbitrary: corrupted(vendorJsonText(vendor)), weight: 30 },
		{ arbitrary: jsonText.map(utf8), weight: 20 },
		{ arbitrary: rawBytes, weight: 10 },
		{ arbitrary: fc.constantFrom('', ' ', '\ufeff', 'null', '[]', '{}', '[[]]', '"x"', '0', 'true', '\ufeff{}').map(utf8), weight: 10 },
		{ arbitrary: vendorPathological(vendor).map(utf8), weight: 1 },
	);
}

/** A fixed "now" for the clock and receivedAt (injectable clocks keep runs reproducible). */
export const NOW_MS = 1_750_000_000_123;
export const NOW_SEC = Math.floor(NOW_MS / 1000);
export const clock = (): number => NOW_MS;
export const RECEIVED_AT = new Date(NOW_MS);
