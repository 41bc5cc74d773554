import { createCipheriv } from 'node:crypto';

import { decodeBase64 } from '../../../nodes/shared/encoding';
import { DeliveryError } from '../../../nodes/shared/errors';
import {
	createRoomleToken,
	type RoomleCbcIv,
	type RoomleIv,
	roomleKey,
	type RoomleTokenVerification,
	verifyRoomleToken,
} from '../../../nodes/shared/roomleToken';
import { ROOMLE_TOKEN_VECTOR as V } from '../../vectors';
import { expectDeliveryError } from '../../vectors/deliveryError';

const ISSUED_MS = Date.parse(V.issuedAt);

/**
 * The IVs each *IV for 01 (CBC) Tokens* setting accepts, as documented (README): by default a zero
 * IV or the key as IV; an IV prefixed to the ciphertext only when asked for. Stated here rather
 * than read from the code.
 */
const IV_CANDIDATES: Record<RoomleCbcIv, readonly RoomleIv[]> = { auto: ['zero', 'key'], prefixed: ['prefixed'] };
const clockAt = (offsetSec: number) => () => ISSUED_MS + offsetSec * 1000;

function verify(overrides: Partial<RoomleTokenVerification>) {
	return verifyRoomleToken({
		token: V.token,
		headerName: 'token',
		secret: V.secret,
		apiKey: V.apiKey,
		toleranceSec: 300,
		clock: clockAt(30),
		...overrides,
	});
}

/** Hand-made token straight from node:crypto, independent of createRoomleToken. */
function handMade(plaintext: string, opts: { secret?: string; mode?: 'cbc' | 'ecb'; iv?: Buffer; prefixIv?: boolean } = {}): string {
	const key = Buffer.from(opts.secret ?? V.secret, 'utf8');
	const mode = opts.mode ?? 'ecb';
	const cipher = createCipheriv(`aes-${key.length * 8}-${mode}`, key, mode === 'ecb' ? null : (opts.iv ?? Buffer.alloc(16)));
	const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	const data = opts.prefixIv && opts.iv ? Buffer.concat([opts.iv, encrypted]) : encrypted;
	return `${mode === 'ecb' ? '02' : '01'}-${data.toString('base64')}`;
}

/** Every rejection after "header present" must look exactly the same (no padding oracle). */
function expectBadToken(overrides: Partial<RoomleTokenVerification>): DeliveryError {
	const error = expectDeliveryError(() => verify(overrides), 'bad_token', [V.secret, V.apiKey, overrides.secret ?? '', overrides.apiKey ?? '']);
	expect(error.message).toBe('The token is not valid');
	expect(error.toResponse()).toEqual({ error: 'bad_token', message: 'The token is not valid' });
	expect(Object.keys(error)).not.toContain('detail');
	return error;
}

describe('Roomle published token example', () => {
	it('the hand-made ECB encryption of the published plaintext equals the published token', () => {
		expect(handMade(V.plaintext)).toBe(V.token);
	});

	it('createRoomleToken reproduces it', () => {
		expect(createRoomleToken({ secret: V.secret, apiKey: V.apiKey, sessionToken: V.sessionToken, date: new Date(V.issuedAt), algorithm: '02' })).toBe(V.token);
	});

	it('verifies with a fixed clock', () => {
		expect(verify({})).toEqual({ algorithm: '02', sessionToken: V.sessionToken, issuedAt: V.issuedAt });
	});

	it('verifies with tolerance 0 (window off), even with the real clock', () => {
		expect(verify({ toleranceSec: 0, clock: Date.now }).sessionToken).toBe(V.sessionToken);
	});

	it('is rejected as bad_token with the real clock and a window', () => {
		expectBadToken({ clock: Date.now });
	});

	it('window boundary: exactly the tolerance passes, one second more fails (both directions)', () => {
		expect(verify({ clock: clockAt(300) }).issuedAt).toBe(V.issuedAt);
		expect(verify({ clock: clockAt(-300) }).issuedAt).toBe(V.issuedAt);
		expectBadToken({ clock: clockAt(301) });
		expectBadToken({ clock: clockAt(-301) });
	});

	it('verifies the URL-safe base64 variant, with or without padding, and surrounding spaces', () => {
		const urlSafe = V.token.replace(/\+/g, '-').replace(/\//g, '_');
		expect(urlSafe).not.toBe(V.token);
		expect(verify({ token: urlSafe }).sessionToken).toBe(V.sessionToken);
		expect(verify({ token: urlSafe.replace(/=+$/, '') }).sessionToken).toBe(V.sessionToken);
		expect(verify({ token: `  ${V.token} ` }).sessionToken).toBe(V.sessionToken);
	});
});

describe('Roomle 01 (CBC) tokens and the unpublished IV', () => {
	it.each([
		['zero', 'auto'],
		['key', 'auto'],
		['prefixed', 'prefixed'],
	] as Array<[RoomleIv, RoomleCbcIv]>)('round-trips the %s IV (cbcIv %s) and reports it', (iv, cbcIv) => {
		expect(IV_CANDIDATES[cbcIv]).toContain(iv);
		const date = new Date(ISSUED_MS);
		const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, sessionToken: 'sess-1', date, algorithm: '01', iv });
		expect(token.startsWith('01-')).toBe(true);
		expect(verify({ token, cbcIv })).toEqual({ algorithm: '01', iv, sessionToken: 'sess-1', issuedAt: V.issuedAt });
	});

	it.each(['auto', 'prefixed'] as RoomleCbcIv[])('cbcIv %s accepts exactly its documented IVs', (cbcIv) => {
		for (const iv of ['zero', 'key', 'prefixed'] as RoomleIv[]) {
			const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, date: new Date(ISSUED_MS), algorithm: '01', iv });
			if (IV_CANDIDATES[cbcIv].includes(iv)) expect(verify({ token, cbcIv }).iv).toBe(iv);
			else expectBadToken({ token, cbcIv });
		}
	});

	it('does not accept an IV-prefixed token unless asked to: the sender would choose block 1', () => {
		const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, date: new Date(ISSUED_MS), algorithm: '01', iv: 'prefixed' });
		expectBadToken({ token });
	});

	it('an old zero-IV token cannot be re-dated by prefixing a forged IV', () => {
		// The attack: P1' = D(C1) xor IV', and D(C1) = P1 for a zero IV, so IV' = P1 xor P1' re-dates it.
		const oldDate = new Date(ISSUED_MS - 30 * 24 * 3600_000);
		const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, date: oldDate, algorithm: '01', iv: 'zero' });
		const cipher = Buffer.from(token.slice(3), 'base64');
		const oldBlock = Buffer.from(oldDate.toISOString().slice(0, 16));
		const newBlock = Buffer.from(new Date(ISSUED_MS).toISOString().slice(0, 16));
		const forgedIv = Buffer.from(oldBlock.map((byte, i) => byte ^ newBlock[i]));
		const forged = `01-${Buffer.concat([forgedIv, cipher]).toString('base64')}`;
		expectBadToken({ token: forged });
		// It is exactly the token a prefixed-IV verifier would take as fresh: the reason it is opt-in.
		expect(verify({ token: forged, cbcIv: 'prefixed' }).issuedAt.slice(0, 16)).toBe(new Date(ISSUED_MS).toISOString().slice(0, 16));
	});

	it('a hand-made zero-IV token verifies as "zero"', () => {
		const token = handMade(V.plaintext, { mode: 'cbc', iv: Buffer.alloc(16) });
		expect(verify({ token }).iv).toBe('zero');
	});

	it('a hand-made key-as-IV token verifies as "key"', () => {
		const token = handMade(V.plaintext, { mode: 'cbc', iv: Buffer.from(V.secret, 'utf8') });
		expect(verify({ token }).iv).toBe('key');
	});

	it('a hand-made IV-prefixed token verifies as "prefixed"', () => {
		const iv = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
		const token = handMade(V.plaintext, { mode: 'cbc', iv, prefixIv: true });
		expect(verify({ token, cbcIv: 'prefixed' }).iv).toBe('prefixed');
	});

	it('a CBC token encrypted with some other fixed IV is rejected', () => {
		const token = handMade(V.plaintext, { mode: 'cbc', iv: Buffer.from('ffffffffffffffffffffffffffffffff', 'hex') });
		expectBadToken({ token });
	});

	it('an anonymous token verifies (it proves the api key/secret, not a user)', () => {
		const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, date: new Date(ISSUED_MS), algorithm: '01' });
		expect(verify({ token }).sessionToken).toBe('anonymous');
	});
});

describe('Roomle key sizes', () => {
	it.each([
		['AES-192', 'a-24-character-secret!!!'],
		['AES-256', 'a-32-character-secret-for-aes!!!'],
	])('%s keys work for 01 and 02', (_label, secret) => {
		expect(roomleKey(secret)).toHaveLength(secret.length);
		for (const algorithm of ['01', '02'] as const) {
			const token = createRoomleToken({ secret, apiKey: V.apiKey, sessionToken: 's', date: new Date(ISSUED_MS), algorithm });
			expect(verify({ token, secret }).algorithm).toBe(algorithm);
		}
		// and a hand-made one
		expect(verify({ token: handMade(V.plaintext, { secret }), secret }).sessionToken).toBe(V.sessionToken);
	});

	it.each(['short-secret', 'a-17-char-secret!', 'ü'.repeat(9), 'x'.repeat(33)])('a %p secret (wrong byte length) is not_configured', (secret) => {
		expectDeliveryError(() => verify({ secret }), 'not_configured', [secret]);
		expectDeliveryError(() => createRoomleToken({ secret, apiKey: V.apiKey }), 'not_configured', [secret]);
	});

	it('counts UTF-8 bytes, not characters', () => {
		const secret = 'ü'.repeat(8); // 16 bytes
		const token = handMade(V.plaintext, { secret });
		expect(verify({ token, secret }).sessionToken).toBe(V.sessionToken);
	});

	it('fails closed without an api key or a secret', () => {
		expectDeliveryError(() => verify({ apiKey: '' }), 'not_configured', [V.secret]);
		expectDeliveryError(() => verify({ secret: '' }), 'not_configured', [V.apiKey]);
	});
});

describe('Roomle rejections: one message for every failure', () => {
	const raw = Buffer.from(V.token.slice(3), 'base64');
	const withData = (data: Buffer, alg = '02') => `${alg}-${data.toString('base64')}`;

	it('a missing header is missing_header and names the header', () => {
		const error = expectDeliveryError(() => verify({ token: undefined, headerName: 'x-roomle-token' }), 'missing_header', [V.secret, V.apiKey]);
		expect(error.message).toContain('x-roomle-token');
	});

	it('wrong api key', () => { expectBadToken({ apiKey: 'anotherApiKey' }); });
	it('api key that is a prefix of the real one', () => { expectBadToken({ apiKey: 'aValidApi' }); });
	it('wrong secret (same length)', () => { expectBadToken({ secret: 'b-Secr3t_Str1ng!' }); });
	it('truncated ciphertext (not a block multiple)', () => { expectBadToken({ token: withData(raw.subarray(0, raw.length - 5)) }); });
	it('truncated ciphertext (one whole block dropped)', () => { expectBadToken({ token: withData(raw.subarray(0, raw.length - 16)) }); });
	it('bad padding (last byte flipped)', () => {
		const flipped = Buffer.from(raw);
		flipped[flipped.length - 1] ^= 0xff;
		expectBadToken({ token: withData(flipped) });
	});
	it('first block flipped', () => {
		const flipped = Buffer.from(raw);
		flipped[0] ^= 0x01;
		expectBadToken({ token: withData(flipped) });
	});
	it('bad base64', () => { expectBadToken({ token: '02-jOi87tgU*dH3EGwcs!FPR44LlPEVoayzgkkkz' }); });
	it('mixed base64 alphabets', () => { expectBadToken({ token: `02-${V.token.slice(3).replace('/', '_').replace('+', '-').replace('g', '+')}` }); });
	it('empty body after the prefix', () => { expectBadToken({ token: '02-' }); });
	it('unknown algorithm prefix 03-', () => { expectBadToken({ token: `03-${V.token.slice(3)}` }); });
	it('no algorithm prefix', () => { expectBadToken({ token: V.token.slice(3) }); });
	it('an ECB token presented as 01', () => { expectBadToken({ token: `01-${V.token.slice(3)}` }); });
	it('plaintext without semicolons', () => {
		expectBadToken({ token: handMade('2020-12-31T23:00:00.000Z aSessionToken aValidApiKey') });
	});
	it('plaintext with only two fields', () => {
		expectBadToken({ token: handMade('2020-12-31T23:00:00.000Z;aValidApiKey') });
	});
	it('plaintext whose timestamp is not an ISO date', () => {
		expectBadToken({ token: handMade('1609455600;aSessionToken;aValidApiKey') });
		expectBadToken({ token: handMade('2020-12-31T23:00:00.000;aSessionToken;aValidApiKey') });
	});
	it('plaintext with an impossible date', () => {
		expectBadToken({ token: handMade('2020-13-45T23:00:00.000Z;aSessionToken;aValidApiKey'), toleranceSec: 0 });
	});

	it('every failure carries the same message and no hint of the reason', () => {
		const messages = new Set(
			[{ apiKey: 'x' }, { token: '03-AAAA' }, { token: '02-%%%' }, { clock: Date.now }].map((overrides) => {
				try {
					verify(overrides);
				} catch (error) {
					return JSON.stringify((error as DeliveryError).toResponse());
				}
				return 'no error';
			}),
		);
		expect([...messages]).toEqual(['{"error":"bad_token","message":"The token is not valid"}']);
	});
});

describe('Roomle fast paths keep every check', () => {
	/** A token for `plaintext` whose padding bytes are given as they are (no PKCS#5 applied). */
	function rawPadded(plaintext: string, padding: number[]): string {
		const key = Buffer.from(V.secret, 'utf8');
		const cipher = createCipheriv('aes-128-ecb', key, null);
		cipher.setAutoPadding(false);
		const bytes = Buffer.concat([Buffer.from(plaintext, 'utf8'), Buffer.from(padding)]);
		expect(bytes.length % 16).toBe(0);
		return `02-${Buffer.concat([cipher.update(bytes), cipher.final()]).toString('base64')}`;
	}
	/** Pads `plaintext` to a block boundary with `fill` bytes, then applies `edit` to the padding. */
	function withPadding(plaintext: string, edit: (padding: number[]) => void): string {
		const length = 16 - (Buffer.byteLength(plaintext) % 16);
		const padding = new Array<number>(length).fill(length);
		edit(padding);
		return rawPadded(plaintext, padding);
	}

	it('accepts every padding length, 1 to 16 bytes', () => {
		for (let extra = 0; extra < 16; extra++) {
			const sessionToken = 's'.repeat(extra);
			const token = createRoomleToken({ secret: V.secret, apiKey: V.apiKey, sessionToken, date: new Date(ISSUED_MS), algorithm: '02' });
			expect(verify({ token }).sessionToken).toBe(sessionToken);
			expect(verify({ token: withPadding(`${V.issuedAt};${sessionToken};${V.apiKey}`, () => undefined) }).sessionToken).toBe(sessionToken);
		}
	});

	it.each([
		['a zero pad byte', (p: number[]) => (p[p.length - 1] = 0)],
		['a pad byte above 16', (p: number[]) => (p[p.length - 1] = 17)],
		['a pad byte of 0xff', (p: number[]) => (p[p.length - 1] = 0xff)],
		['pad bytes that disagree', (p: number[]) => (p[0] ^= 1)],
	])('rejects %s as bad_token', (_label, edit) => {
		// 51 bytes of plaintext leave 13 bytes of padding, so every edit lands in the padding.
		expect(Buffer.byteLength(V.plaintext)).toBe(51);
		expectBadToken({ token: withPadding(V.plaintext, edit) });
	});

	it('rejects a pad value of 17 even when the last 16 bytes all say 17 (it would strip one byte too many)', () => {
		const plaintext = `${V.issuedAt};${'s'.repeat(25)};${V.apiKey}`; // 63 bytes
		expect(verify({ token: rawPadded(plaintext, [1]) }).sessionToken).toBe('s'.repeat(25));
		// Stripping 17 bytes would leave exactly that valid plaintext.
		expectBadToken({ token: rawPadded(`${plaintext}X`, new Array(16).fill(17)) });
	});

	it.each([
		['02', 'no dash and nothing after'],
		['02x-abcd', 'no dash after the algorithm'],
		['0-abcd', 'a one-digit algorithm'],
		['01-', 'nothing after 01-'],
		['-02-abcd', 'a leading dash'],
	])('rejects the malformed token %p (%s)', (token) => {
		expectBadToken({ token });
	});

	it('compares the api key whole: longer, shorter, one character off, other case', () => {
		for (const apiKey of ['aValidApiKey2', 'aValidApiKe', 'aValidApiKez', 'avalidapikey', 'aValidApiKey\u0000']) expectBadToken({ apiKey });
	});

	it('an api key of exactly 64 characters: a token carrying it plus one more character is rejected', () => {
		const apiKey = 'k'.repeat(63) + 'y';
		const token = (key: string) => createRoomleToken({ secret: V.secret, apiKey: key, date: new Date(ISSUED_MS) });
		expect(verify({ token: token(apiKey), apiKey }).issuedAt).toBe(V.issuedAt);
		expectBadToken({ token: token(`${apiKey}y`), apiKey });
		expectBadToken({ token: token(apiKey.slice(0, 63)), apiKey });
	});

	it('long api keys (over 64 characters) are compared too', () => {
		const apiKey = `${'k'.repeat(100)}-end`;
		const token = (key: string) => createRoomleToken({ secret: V.secret, apiKey: key, date: new Date(ISSUED_MS) });
		expect(verify({ token: token(apiKey), apiKey }).issuedAt).toBe(V.issuedAt);
		expectBadToken({ token: token(`${'k'.repeat(100)}-enD`), apiKey });
		expectBadToken({ token: token(apiKey.slice(0, 64)), apiKey });
		expectBadToken({ token: token(`${apiKey}!`), apiKey });
	});

	it('non-ASCII api keys compare by their characters', () => {
		const apiKey = 'ключ-🔑-api';
		const token = (key: string) => createRoomleToken({ secret: V.secret, apiKey: key, date: new Date(ISSUED_MS) });
		expect(verify({ token: token(apiKey), apiKey }).issuedAt).toBe(V.issuedAt);
		expectBadToken({ token: token('ключ-🔒-api'), apiKey });
	});

	it('one verification leaves nothing behind for the next (wrong key, then the right one)', () => {
		expectBadToken({ apiKey: `${V.apiKey}-and-a-longer-tail` });
		expect(verify({}).sessionToken).toBe(V.sessionToken);
		expectBadToken({ apiKey: `${V.apiKey}-and-a-longer-tail` });
		expectBadToken({ token: createRoomleToken({ secret: V.secret, apiKey: `${V.apiKey}-and-a-longer-tail`, date: new Date(ISSUED_MS) }) });
		expect(verify({}).sessionToken).toBe(V.sessionToken);
	});

	it.each([
		'2020-12-31T23:00:00.000Z',
		'2024-02-29T12:34:56.789Z',
		'2021-02-30T00:00:00.000Z', // not a date, but Date.parse rolls it over to 2 March: so do we
		'2020-12-31T24:00:00.000Z',
		'0099-06-15T12:00:00.000Z',
		'2020-12-31T23:00:00Z',
		'2020-12-31T23:00:00.5Z',
		'2020-12-31T23:00:00.123456789Z',
		'2021-01-01T00:00:00.000+01:00',
		'2020-12-31T22:00:00-0100',
	])('reads the issue date %p exactly as Date.parse does', (issuedAt) => {
		const issuedMs = Date.parse(issuedAt);
		expect(Number.isNaN(issuedMs)).toBe(false);
		const token = handMade(`${issuedAt};${V.sessionToken};${V.apiKey}`);
		const at = (offsetSec: number) => () => issuedMs + offsetSec * 1000;
		expect(verify({ token, clock: at(0) }).issuedAt).toBe(issuedAt);
		expect(verify({ token, clock: at(300) }).issuedAt).toBe(issuedAt);
		expect(verify({ token, clock: at(-300) }).issuedAt).toBe(issuedAt);
		expectBadToken({ token, clock: at(301) });
		expectBadToken({ token, clock: at(-301) });
	});

	it.each([
		'2020-12-31T23:59:60.000Z',
		'2020-00-10T10:00:00.000Z',
		'2020-12-32T10:00:00.000Z',
		'2020-12-31T23:60:00.000Z',
		'2020-12-31T24:30:00.000Z',
		'2020-12-31T24:00:01.000Z',
	])(
		'rejects the impossible issue date %p even with the window off',
		(issuedAt) => {
			expect(Number.isNaN(Date.parse(issuedAt))).toBe(true);
			expectBadToken({ token: handMade(`${issuedAt};${V.sessionToken};${V.apiKey}`), toleranceSec: 0 });
		},
	);

	it('decodes base64 exactly like the strict reference decoder', () => {
		/** The decoder's rules written out the slow way: one alphabet, padding only at the end. */
		const reference = (text: string): Buffer | undefined => {
			const value = text.trim();
			if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) && !/^[A-Za-z0-9_-]*={0,2}$/.test(value)) return undefined;
			const unpadded = value.replace(/=+$/, '');
			if (unpadded.length % 4 === 1) return undefined;
			return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
		};
		const alphabet = 'Aa9+/-_= .*';
		let seed = 7;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		for (let i = 0; i < 3000; i++) {
			const text = Array.from({ length: Math.floor(next() * 10) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
			expect(decodeBase64(text)).toEqual(reference(text));
			// At most 7 bytes, never a whole block: the one generic error, whatever the decoder said.
			expectBadToken({ token: `02-${text}` });
		}
	});
});
