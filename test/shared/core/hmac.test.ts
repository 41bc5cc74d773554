import { createHmac } from 'node:crypto';

import {
	bodyFingerprint,
	type HmacAlgorithm,
	type HmacScheme,
	type HmacVerification,
	type SignatureEncoding,
	type SignedContent,
	signatureCandidates,
	signHmac,
	verifyHmac,
} from '../../../nodes/shared/hmac';
import { expectDeliveryError } from '../../vectors/deliveryError';

const SECRET = 'hmac-test-secret-0f9e8d7c';
const OLD_SECRET = 'hmac-previous-secret-1a2b3c';
const NOW_SEC = 1_700_000_000;
const clock = () => NOW_SEC * 1000 + 250; // mid-second: the window works on whole seconds
const BODY = Buffer.from('{"event":"sync.completed","status":"success","rows":12}', 'utf8');
const ID = 'msg_2kq8Zr1';

/** Independent of the code under test: node:crypto directly. */
function expected(algorithm: HmacAlgorithm, encoding: SignatureEncoding, secret: string | Buffer, message: Buffer | string): string {
	return createHmac(algorithm, secret).update(message).digest(encoding);
}

function signedBytes(content: SignedContent, body: Buffer, timestamp: string, id: string): Buffer {
	if (content === 'body') return body;
	if (content === 'timestamp.body') return Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
	return Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
}

function input(scheme: HmacScheme, overrides: Partial<HmacVerification> = {}): HmacVerification {
	return {
		scheme,
		secrets: [SECRET],
		body: BODY,
		signature: undefined,
		signatureHeaderName: 'x-signature',
		timestamp: scheme.signedContent === 'body' ? undefined : String(NOW_SEC),
		timestampHeaderName: scheme.signedContent === 'body' ? undefined : 'x-timestamp',
		id: scheme.signedContent === 'id.timestamp.body' ? ID : undefined,
		toleranceSec: 300,
		clock,
		...overrides,
	};
}

const SHA256_HEX: HmacScheme = { algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body' };
const SHA256_PREFIXED: HmacScheme = { algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', signedContent: 'body' };
const STRIPE_LIKE: HmacScheme = { algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'timestamp.body' };

describe('signHmac / verifyHmac: every algorithm × encoding × signed content', () => {
	const algorithms: HmacAlgorithm[] = ['sha1', 'sha256', 'sha512'];
	const encodings: SignatureEncoding[] = ['hex', 'base64'];
	const contents: SignedContent[] = ['body', 'timestamp.body', 'id.timestamp.body'];
	const cases = algorithms.flatMap((algorithm) =>
		encodings.flatMap((encoding) => contents.map((signedContent) => ({ algorithm, encoding, signedContent }))),
	);

	it.each(cases)('$algorithm / $encoding / $signedContent', ({ algorithm, encoding, signedContent }) => {
		const scheme: HmacScheme = { algorithm, encoding, prefix: `${algorithm}=`, signedContent };
		const timestamp = String(NOW_SEC);
		const want = `${algorithm}=${expected(algorithm, encoding, SECRET, signedBytes(signedContent, BODY, timestamp, ID))}`;

		const header = signHmac(scheme, SECRET, { body: BODY, timestamp, id: ID });
		expect(header).toBe(want);

		const result = verifyHmac(input(scheme, { signature: want }));
		expect(result.secretIndex).toBe(0);
		if (signedContent === 'body') expect(result.timestampSec).toBeUndefined();
		else expect(result.timestampSec).toBe(NOW_SEC);

		// The same scheme rejects a signature made with another secret.
		const forged = `${algorithm}=${expected(algorithm, encoding, 'not-the-secret', signedBytes(signedContent, BODY, timestamp, ID))}`;
		expectDeliveryError(() => verifyHmac(input(scheme, { signature: forged })), 'bad_signature', [SECRET]);
	});

	it('signs with a Buffer secret exactly like with its string form', () => {
		const header = signHmac(SHA256_HEX, Buffer.from(SECRET, 'utf8'), { body: BODY });
		expect(header).toBe(expected('sha256', 'hex', SECRET, BODY));
		expect(verifyHmac(input(SHA256_HEX, { secrets: [Buffer.from(SECRET)], signature: header })).secretIndex).toBe(0);
	});

	it('signs the raw bytes, with the exact separators', () => {
		const sign = (signedContent: SignedContent, parts: { body: Buffer; timestamp?: string; id?: string }) =>
			signHmac({ algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent }, SECRET, parts);
		expect(sign('body', { body: BODY })).toBe(expected('sha256', 'hex', SECRET, BODY));
		expect(sign('timestamp.body', { body: Buffer.from('{}'), timestamp: '17' })).toBe(expected('sha256', 'hex', SECRET, '17.{}'));
		expect(sign('id.timestamp.body', { body: Buffer.from('{}'), timestamp: '17', id: 'm1' })).toBe(expected('sha256', 'hex', SECRET, 'm1.17.{}'));
		expect(sign('v0:timestamp:body', { body: Buffer.from('{}'), timestamp: '17' })).toBe(expected('sha256', 'hex', SECRET, 'v0:17:{}'));
	});
});

describe('verifyHmac: rejections', () => {
	const good = expected('sha256', 'hex', SECRET, BODY);

	it('rejects a body with one byte changed', () => {
		const tampered = Buffer.from(BODY);
		tampered[tampered.length - 3] ^= 0x01; // '1' → '0' in "12"
		expect(tampered.equals(BODY)).toBe(false);
		const error = expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { body: tampered, signature: good })), 'bad_signature', [SECRET]);
		expect(error.message).not.toContain(good);
		expect(error.message).toMatch(/body/);
	});

	it('rejects the wrong secret, and the message never echoes a secret or the expected digest', () => {
		const signature = expected('sha256', 'hex', 'someone-elses-secret', BODY);
		const error = expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature })), 'bad_signature', [SECRET, 'someone-elses-secret']);
		expect(JSON.stringify(error.toResponse())).not.toContain(good);
	});

	it('rejects a missing signature header and names it', () => {
		const error = expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: undefined, signatureHeaderName: 'x-synchub-signature' })), 'missing_header', [SECRET]);
		expect(error.message).toContain('x-synchub-signature');
	});

	it('rejects a missing timestamp header when the timestamp is signed, and names it', () => {
		const signature = expected('sha256', 'hex', SECRET, `${NOW_SEC}.${BODY.toString()}`);
		const error = expectDeliveryError(
			() => verifyHmac(input(STRIPE_LIKE, { signature, timestamp: undefined, timestampHeaderName: 'x-synchub-timestamp' })),
			'missing_header',
		);
		expect(error.message).toContain('x-synchub-timestamp');
		// Without a configured header name the message still says what is missing.
		const unnamed = expectDeliveryError(() => verifyHmac(input(STRIPE_LIKE, { signature, timestamp: undefined, timestampHeaderName: undefined })), 'missing_header');
		expect(unnamed.message).toMatch(/timestamp/);
	});

	it('requires a configured timestamp header even when only the body is signed', () => {
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: good, timestampHeaderName: 'x-timestamp' })), 'missing_header');
	});

	it('rejects a missing message id for id.timestamp.body', () => {
		const scheme: HmacScheme = { ...STRIPE_LIKE, signedContent: 'id.timestamp.body' };
		const signature = expected('sha256', 'hex', SECRET, `${ID}.${NOW_SEC}.${BODY.toString()}`);
		expectDeliveryError(() => verifyHmac(input(scheme, { signature, id: undefined })), 'missing_header');
	});

	it('fails closed without a usable secret', () => {
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { secrets: [], signature: good })), 'not_configured');
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { secrets: ['', Buffer.alloc(0)], signature: good })), 'not_configured');
	});

	it('rejects malformed hex and base64', () => {
		const notHex = 'z'.repeat(64);
		const oddHex = good.slice(0, 63);
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: notHex })), 'bad_signature');
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: oddHex })), 'bad_signature');
		const b64: HmacScheme = { ...SHA256_HEX, encoding: 'base64' };
		const goodB64 = expected('sha256', 'base64', SECRET, BODY);
		expect(verifyHmac(input(b64, { signature: goodB64 })).secretIndex).toBe(0);
		expectDeliveryError(() => verifyHmac(input(b64, { signature: `${goodB64.slice(0, 10)}*${goodB64.slice(11)}` })), 'bad_signature');
		expectDeliveryError(() => verifyHmac(input(b64, { signature: `${goodB64.slice(0, 20)}.${goodB64.slice(20)}` })), 'bad_signature');
	});

	it('rejects a digest of the wrong length (sha1 digest for a sha256 scheme, truncated digest)', () => {
		const sha1 = expected('sha1', 'hex', SECRET, BODY);
		const error = expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: sha1 })), 'bad_signature');
		expect(error.message).toMatch(/no hex sha256 signature/);
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: good.slice(0, 62) })), 'bad_signature');
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: `${good}00` })), 'bad_signature');
	});

	it('rejects a signature without the configured prefix', () => {
		const error = expectDeliveryError(() => verifyHmac(input(SHA256_PREFIXED, { signature: good })), 'bad_signature');
		expect(error.message).toContain('sha256=');
		expectDeliveryError(() => verifyHmac(input(SHA256_PREFIXED, { signature: `sha1=${good}` })), 'bad_signature');
	});

	it('rejects a garbage timestamp as bad_timestamp', () => {
		const signature = expected('sha256', 'hex', SECRET, `yesterday.${BODY.toString()}`);
		expectDeliveryError(() => verifyHmac(input(STRIPE_LIKE, { signature, timestamp: 'yesterday' })), 'bad_timestamp');
	});
});

describe('verifyHmac: timestamp window, both directions', () => {
	const signFor = (timestamp: string) => expected('sha256', 'hex', SECRET, `${timestamp}.${BODY.toString()}`);
	const at = (offsetSec: number, toleranceSec = 300) => {
		const timestamp = String(NOW_SEC + offsetSec);
		return () => verifyHmac(input(STRIPE_LIKE, { signature: signFor(timestamp), timestamp, toleranceSec }));
	};

	it('accepts exactly the tolerance in the past and in the future', () => {
		expect(at(-300)().timestampSec).toBe(NOW_SEC - 300);
		expect(at(300)().timestampSec).toBe(NOW_SEC + 300);
		expect(at(0)().timestampSec).toBe(NOW_SEC);
	});

	it('rejects one second beyond the tolerance in the past (stale)', () => {
		const error = expectDeliveryError(at(-301), 'stale_timestamp', [SECRET]);
		expect(error.message).toContain('300');
	});

	it('rejects one second beyond the tolerance in the future', () => {
		expectDeliveryError(at(301), 'future_timestamp', [SECRET]);
	});

	it('checks the window even when the signature is valid (a replay stays a replay)', () => {
		expectDeliveryError(at(-86_400), 'stale_timestamp');
		expectDeliveryError(at(86_400), 'future_timestamp');
	});

	it('turns the window off with tolerance 0', () => {
		expect(at(-10 * 365 * 86_400, 0)().timestampSec).toBe(NOW_SEC - 10 * 365 * 86_400);
		expect(at(86_400, 0)().timestampSec).toBe(NOW_SEC + 86_400);
	});

	it('accepts millisecond and ISO timestamp headers, signed as sent', () => {
		const ms = String(NOW_SEC * 1000 + 123);
		expect(verifyHmac(input(STRIPE_LIKE, { signature: signFor(ms), timestamp: ms })).timestampSec).toBe(NOW_SEC);
		const iso = new Date(NOW_SEC * 1000).toISOString();
		expect(verifyHmac(input(STRIPE_LIKE, { signature: signFor(iso), timestamp: iso })).timestampSec).toBe(NOW_SEC);
	});

	it('checks a timestamp header even for body-only signatures when one is configured', () => {
		const stale = String(NOW_SEC - 1000);
		expectDeliveryError(
			() => verifyHmac(input(SHA256_HEX, { signature: expected('sha256', 'hex', SECRET, BODY), timestamp: stale, timestampHeaderName: 'x-timestamp' })),
			'stale_timestamp',
		);
	});
});

describe('verifyHmac: rotation and multiple signatures', () => {
	it('accepts the previous secret and reports secretIndex 1', () => {
		const signature = `sha256=${expected('sha256', 'hex', OLD_SECRET, BODY)}`;
		expect(verifyHmac(input(SHA256_PREFIXED, { secrets: [SECRET, OLD_SECRET], signature })).secretIndex).toBe(1);
		expect(verifyHmac(input(SHA256_PREFIXED, { secrets: [SECRET, OLD_SECRET], signature: `sha256=${expected('sha256', 'hex', SECRET, BODY)}` })).secretIndex).toBe(0);
		// Once the old secret is removed, the old signature fails.
		expectDeliveryError(() => verifyHmac(input(SHA256_PREFIXED, { secrets: [SECRET], signature })), 'bad_signature', [SECRET, OLD_SECRET]);
	});

	it('reports the index into the configured list even when the current secret is blank', () => {
		const signature = `sha256=${expected('sha256', 'hex', OLD_SECRET, BODY)}`;
		expect(verifyHmac(input(SHA256_PREFIXED, { secrets: ['', OLD_SECRET], signature })).secretIndex).toBe(1);
	});

	it('accepts any of several signatures in one header (sender-side rotation)', () => {
		const wrong = expected('sha256', 'hex', 'retired-secret-xyz', BODY);
		const right = expected('sha256', 'hex', SECRET, BODY);
		for (const header of [`sha256=${wrong},sha256=${right}`, `sha256=${wrong} sha256=${right}`, `sha256=${right}, sha256=${wrong}`]) {
			expect(verifyHmac(input(SHA256_PREFIXED, { signature: header })).secretIndex).toBe(0);
		}
		expectDeliveryError(() => verifyHmac(input(SHA256_PREFIXED, { signature: `sha256=${wrong},sha256=${wrong}` })), 'bad_signature');
	});

	it('splits candidates on whitespace and commas, keeping `v1,` prefixes intact', () => {
		expect(signatureCandidates('sha256=aa,sha256=bb sha1=cc', 'sha256=')).toEqual(['aa', 'bb']);
		expect(signatureCandidates('v1,AAA= v1a,BBB= v2,CCC= v1,DDD=', 'v1,')).toEqual(['AAA=', 'DDD=']);
		expect(signatureCandidates('abcd, ef01', '')).toEqual(['abcd', 'ef01']);
		expect(signatureCandidates('SHA256=aa', 'sha256=')).toEqual(['aa']);
	});
});

describe('verifyHmac: the per-request fast paths reject what they should', () => {
	const good = expected('sha256', 'hex', SECRET, BODY);

	/** The splitting rule signatureCandidates has always had, written the slow, obvious way. */
	function referenceCandidates(header: string, prefix: string): string[] {
		// HTTP's whitespace (RFC 9110): spaces and tabs separate; Unicode spaces are part of a value.
		const pieces = header.split(/[ \t]+/).filter(Boolean);
		const split = prefix.includes(',') ? pieces : pieces.flatMap((piece) => piece.split(',')).filter(Boolean);
		return split.filter((piece) => piece.toLowerCase().startsWith(prefix.toLowerCase())).map((piece) => piece.slice(prefix.length));
	}

	it('splits headers exactly like the reference rule, whatever the whitespace or commas', () => {
		const headers = [
			'',
			' ',
			',',
			' , ,',
			'abcd',
			' abcd ',
			'ab,cd',
			'ab, cd',
			'ab ,cd',
			'ab\tcd\ncd\r\nef',
			'ab\u00a0cd\u2003ef\u3000gh\ufeffij\u2028kl',
			'v1,AAA= v1,BBB=',
			'v1,AAA=,v1,BBB=',
			'V1,AAA= v1a,BBB= v2,CCC=',
			'sha256=aa,SHA256=bb sha1=cc ,, sha256=',
		];
		for (const header of headers) {
			for (const prefix of ['', 'sha256=', 'v1,', 'V1,']) {
				expect(signatureCandidates(header, prefix)).toEqual(referenceCandidates(header, prefix));
			}
		}
	});

	it('rejects a signature of the right length with one hex digit changed', () => {
		const changed = `${good.slice(0, 10)}${good[10] === '0' ? '1' : '0'}${good.slice(11)}`;
		expect(changed).toHaveLength(good.length);
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: changed })), 'bad_signature');
	});

	it('rejects a right-length value that is not hex, even next to a wrong-length one', () => {
		const notHex = `${good.slice(0, 62)}zz`;
		const error = expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { signature: `${good.slice(0, 40)},${notHex}` })), 'bad_signature');
		expect(error.message).toMatch(/no hex sha256 signature/);
	});

	it('skips wrong-length and malformed candidates but still finds the right one among them', () => {
		const b64: HmacScheme = { ...SHA256_HEX, encoding: 'base64' };
		const goodB64 = expected('sha256', 'base64', SECRET, BODY);
		const header = `${goodB64.slice(0, 20)} *${goodB64.slice(1)} ${expected('sha1', 'base64', SECRET, BODY)} ${goodB64}`;
		expect(verifyHmac(input(b64, { signature: header })).secretIndex).toBe(0);
		expect(verifyHmac(input(SHA256_HEX, { signature: `${good.slice(0, 62)} ${'z'.repeat(64)} ${good}` })).secretIndex).toBe(0);
	});

	it('still rejects a tampered body with several secrets and several signatures', () => {
		const tampered = Buffer.from(BODY.toString().replace('12', '13'));
		const header = `${expected('sha256', 'hex', OLD_SECRET, BODY)} ${good}`;
		expectDeliveryError(
			() => verifyHmac(input(SHA256_HEX, { secrets: [SECRET, OLD_SECRET], body: tampered, signature: header })),
			'bad_signature',
			[SECRET, OLD_SECRET],
		);
	});

	it('reports the rotated secret that matched, with the signature for it anywhere in the header', () => {
		const old = expected('sha256', 'hex', OLD_SECRET, BODY);
		const unrelated = expected('sha256', 'hex', 'someone-else', BODY);
		for (const header of [`${old} ${unrelated}`, `${unrelated},${old}`]) {
			expect(verifyHmac(input(SHA256_HEX, { secrets: ['', SECRET, OLD_SECRET], signature: header })).secretIndex).toBe(2);
		}
	});

	it.each(['timestamp.body', 'id.timestamp.body'] as SignedContent[])(
		'%s: every part and the separators are signed',
		(signedContent) => {
			const scheme: HmacScheme = { algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent };
			const timestamp = String(NOW_SEC);
			const signature = expected('sha256', 'hex', SECRET, signedBytes(signedContent, BODY, timestamp, ID));
			expect(verifyHmac(input(scheme, { signature })).timestampSec).toBe(NOW_SEC);
			const later = String(NOW_SEC + 1);
			expectDeliveryError(() => verifyHmac(input(scheme, { signature, timestamp: later })), 'bad_signature');
			expectDeliveryError(() => verifyHmac(input(scheme, { signature, body: Buffer.from(`${BODY.toString()} `) })), 'bad_signature');
			if (signedContent === 'id.timestamp.body') {
				expectDeliveryError(() => verifyHmac(input(scheme, { signature, id: `${ID}x` })), 'bad_signature');
			}
			// A sender that left the separators out signed other bytes.
			const head = signedContent === 'timestamp.body' ? timestamp : `${ID}${timestamp}`;
			const noSeparators = expected('sha256', 'hex', SECRET, Buffer.concat([Buffer.from(head), BODY]));
			expectDeliveryError(() => verifyHmac(input(scheme, { signature: noSeparators })), 'bad_signature');
		},
	);

	it('stale and future timestamps are rejected even with a valid signature from a rotated secret', () => {
		for (const [offset, code] of [
			[-301, 'stale_timestamp'],
			[301, 'future_timestamp'],
		] as const) {
			const timestamp = String(NOW_SEC + offset);
			const signature = expected('sha256', 'hex', SECRET, `${timestamp}.${BODY.toString()}`);
			expectDeliveryError(() => verifyHmac(input(STRIPE_LIKE, { signature, timestamp, secrets: [OLD_SECRET, SECRET] })), code);
		}
	});
});

describe('verifyHmac: bytes, not text', () => {
	it('accepts upper-case hex and an upper-case prefix', () => {
		const hex = expected('sha256', 'hex', SECRET, BODY);
		expect(verifyHmac(input(SHA256_HEX, { signature: hex.toUpperCase() })).secretIndex).toBe(0);
		expect(verifyHmac(input(SHA256_PREFIXED, { signature: `SHA256=${hex.toUpperCase()}` })).secretIndex).toBe(0);
	});

	it('accepts URL-safe base64 for the same digest', () => {
		const scheme: HmacScheme = { algorithm: 'sha512', encoding: 'base64', prefix: '', signedContent: 'body' };
		const urlSafe = createHmac('sha512', SECRET).update(BODY).digest('base64url');
		expect(verifyHmac(input(scheme, { signature: urlSafe })).secretIndex).toBe(0);
	});

	it.each([
		['emoji', '{"note":"🎉 done ✅","by":"👩🏽‍💻"}'],
		['non-Latin', '{"city":"Zürich","name":"Ελληνικά","jp":"東京","ru":"Москва"}'],
	])('signs %s bodies over their UTF-8 bytes', (_label, text) => {
		const body = Buffer.from(text, 'utf8');
		const signature = expected('sha256', 'hex', SECRET, body);
		expect(signHmac(SHA256_HEX, SECRET, { body })).toBe(signature);
		expect(verifyHmac(input(SHA256_HEX, { body, signature })).secretIndex).toBe(0);
		// A sender that signed another encoding of the same text does not verify.
		const utf16 = expected('sha256', 'hex', SECRET, Buffer.from(text, 'utf16le'));
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { body, signature: utf16 })), 'bad_signature');
	});

	it('rejects a body that is JSON-equal but serialised differently (raw bytes are verified)', () => {
		const sent = Buffer.from('{"a": 1, "b": [1, 2]}', 'utf8');
		const reserialised = Buffer.from(JSON.stringify(JSON.parse(sent.toString())), 'utf8');
		expect(JSON.parse(reserialised.toString())).toEqual(JSON.parse(sent.toString()));
		const signature = expected('sha256', 'hex', SECRET, sent);
		expect(verifyHmac(input(SHA256_HEX, { body: sent, signature })).secretIndex).toBe(0);
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { body: reserialised, signature })), 'bad_signature');
		const reordered = Buffer.from('{"b": [1, 2], "a": 1}', 'utf8');
		expectDeliveryError(() => verifyHmac(input(SHA256_HEX, { body: reordered, signature })), 'bad_signature');
	});
});

describe('bodyFingerprint', () => {
	it('is a 32-hex-char prefix of the body SHA-256, stable and byte-sensitive', () => {
		const fp = bodyFingerprint(BODY);
		expect(fp).toMatch(/^[0-9a-f]{32}$/);
		expect(fp).toBe(bodyFingerprint(Buffer.from(BODY)));
		expect(bodyFingerprint(Buffer.from(`${BODY.toString()} `))).not.toBe(fp);
	});
});
