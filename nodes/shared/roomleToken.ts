import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { decodeBase64, trimOws } from './encoding';
import { DeliveryError } from './errors';
import { type Clock, assertFreshTimestamp } from './timestamps';

/**
 * Roomle token: `<alg>-<base64(AES(plaintext))>` with plaintext `timestamp;sessionToken;apiKey`,
 * key = UTF-8 bytes of the tenant secret (16/24/32 bytes → AES-128/192/256).
 * `01` = AES-CBC-PKCS5, `02` = AES-ECB-PKCS5 (docs.roomle.com, REST API authentication).
 *
 * Roomle has not published the IV used with `01`. Only the first 16-byte block depends on
 * it, so the verifier tries the fixed candidates (a zero IV, the key as IV) and keeps the one
 * whose plaintext has the documented shape AND the expected api key; `meta` records which.
 *
 * An IV prefixed to the ciphertext is only accepted when asked for (`cbcIv: 'prefixed'`): the
 * sender then chooses the IV, and since nothing authenticates the token, whoever holds one old
 * token can XOR a new date into block 1 (the timestamp) and replay it forever.
 */
export type RoomleAlgorithm = '01' | '02';
export type RoomleIv = 'zero' | 'key' | 'prefixed';
/** `auto`: zero IV or key as IV (the IV is not attacker-controlled); `prefixed`: IV ‖ ciphertext. */
export type RoomleCbcIv = 'auto' | 'prefixed';
const ROOMLE_IV_CANDIDATES: Record<RoomleCbcIv, readonly RoomleIv[]> = { auto: ['zero', 'key'], prefixed: ['prefixed'] };

const PLAINTEXT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}(?::?\d{2})?));([^;]*);(.*)$/s;
const GENERIC_FAILURE = 'The token is not valid';

export function roomleKey(secret: string): Buffer {
	const key = Buffer.from(secret, 'utf8');
	if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
		throw new DeliveryError('not_configured', 'The Roomle secret must be 16, 24 or 32 bytes long');
	}
	return key;
}

// Fixed names rather than a string built for every token.
const CIPHER_NAMES: Record<RoomleAlgorithm, Readonly<Record<number, string>>> = {
	'01': { 16: 'aes-128-cbc', 24: 'aes-192-cbc', 32: 'aes-256-cbc' },
	'02': { 16: 'aes-128-ecb', 24: 'aes-192-ecb', 32: 'aes-256-ecb' },
};

function cipherName(key: Buffer, algorithm: RoomleAlgorithm): string {
	return CIPHER_NAMES[algorithm][key.length];
}

function fixedIv(key: Buffer, iv: Exclude<RoomleIv, 'prefixed'>): Buffer {
	return iv === 'zero' ? Buffer.alloc(16) : key.subarray(0, 16);
}

export interface RoomleTokenInput {
	secret: string;
	apiKey: string;
	sessionToken?: string;
	/** Defaults to now. */
	date?: Date;
	algorithm?: RoomleAlgorithm;
	/** For `01` only: which IV to use (see ROOMLE_IV_CANDIDATES). */
	iv?: RoomleIv;
}

/** Builds a token the way Roomle does; used by Send Webhook and by tests. */
export function createRoomleToken(input: RoomleTokenInput): string {
	const key = roomleKey(input.secret);
	const algorithm = input.algorithm ?? '02';
	const plaintext = `${(input.date ?? new Date()).toISOString()};${input.sessionToken ?? 'anonymous'};${input.apiKey}`;
	if (algorithm === '02') {
		const cipher = createCipheriv(cipherName(key, algorithm), key, null);
		return `02-${Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64')}`;
	}
	const ivChoice = input.iv ?? 'zero';
	const iv = ivChoice === 'prefixed' ? randomBytes(16) : fixedIv(key, ivChoice);
	const cipher = createCipheriv(cipherName(key, algorithm), key, iv);
	const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	return `01-${(ivChoice === 'prefixed' ? Buffer.concat([iv, body]) : body).toString('base64')}`;
}

/**
 * Decrypts and strips PKCS#5 padding without throwing, so bad padding takes the same path as
 * every other failure (no padding-oracle timing difference). `paddingOk` is false for bad padding.
 */
function decrypt(key: Buffer, algorithm: RoomleAlgorithm, iv: Buffer | null, data: Buffer): { text: string; paddingOk: boolean } {
	if (data.length === 0 || data.length % 16 !== 0) return { text: '', paddingOk: false };
	const decipher = createDecipheriv(cipherName(key, algorithm), key, iv);
	decipher.setAutoPadding(false);
	// With padding off, update() returns every whole block, and final() would return nothing and
	// check nothing (the length is a multiple of 16): it is only called should that ever change.
	let plain = decipher.update(data);
	if (plain.length !== data.length) plain = Buffer.concat([plain, decipher.final()]);
	const pad = plain[plain.length - 1];
	let bad = pad < 1 || pad > 16 ? 1 : 0;
	for (let i = 1; i <= 16; i++) bad |= i <= pad && plain[plain.length - i] !== pad ? 1 : 0;
	return { text: plain.toString('utf8', 0, plain.length - (bad ? 0 : pad)), paddingOk: bad === 0 };
}

/**
 * Api keys up to this many UTF-16 code units are compared in fixed-width buffers; longer ones
 * (which depends on the configuration only, never on the token) are hashed first.
 */
const API_KEY_MAX_UNITS = 64;
const API_KEY_WIDTH = API_KEY_MAX_UNITS * 2;
// Scratch space for the comparison, zeroed again before sameApiKey returns (it never holds
// the api key between calls). Verification is synchronous, so no two calls share it.
const apiKeyScratch = Buffer.alloc(API_KEY_WIDTH * 2);
const presentedBytes = apiKeyScratch.subarray(0, API_KEY_WIDTH);
const apiKeyBytes = apiKeyScratch.subarray(API_KEY_WIDTH);

/**
 * Constant-time api key check whose time reveals neither the api key nor its length: both
 * sides are written as UTF-16 into zero-filled buffers of one fixed width and compared whole
 * (a longer presented value is cut, and then the lengths differ). Hashing both sides with
 * SHA-256 does the same, but two hashes cost more than the AES decryption itself.
 */
function sameApiKey(presented: string, apiKey: string): boolean {
	if (apiKey.length > API_KEY_MAX_UNITS) {
		return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(apiKey).digest());
	}
	presentedBytes.write(presented, 0, API_KEY_WIDTH, 'utf16le');
	apiKeyBytes.write(apiKey, 0, API_KEY_WIDTH, 'utf16le');
	const sameBytes = timingSafeEqual(presentedBytes, apiKeyBytes);
	apiKeyScratch.fill(0);
	return sameBytes && presented.length === apiKey.length;
}

export interface RoomleTokenVerification {
	token: string | undefined;
	headerName: string;
	secret: string;
	apiKey: string;
	toleranceSec: number;
	clock: Clock;
	/** Which `01` IVs to accept (default `auto`); see the note at the top. */
	cbcIv?: RoomleCbcIv;
}

export interface RoomleTokenVerified {
	algorithm: RoomleAlgorithm;
	iv?: RoomleIv;
	sessionToken: string;
	issuedAt: string;
}

/**
 * The token's fields when the padding, the plaintext's shape AND the api key are all right.
 * It runs the same steps whatever failed, so timing reveals neither the padding nor (for `01`)
 * which IV a forged token hit.
 */
function readPlaintext(
	plaintext: { text: string; paddingOk: boolean },
	apiKey: string,
	algorithm: RoomleAlgorithm,
	iv: RoomleIv | undefined,
): RoomleTokenVerified | undefined {
	const fields = PLAINTEXT.exec(plaintext.text);
	const keyMatches = sameApiKey(fields ? fields[3] : '', apiKey);
	if (!(plaintext.paddingOk && fields && keyMatches)) return undefined;
	const sessionToken = fields[2];
	const issuedAt = fields[1];
	return iv ? { algorithm, iv, sessionToken, issuedAt } : { algorithm, sessionToken, issuedAt };
}

/**
 * Date.parse of the token's timestamp (which PLAINTEXT has already matched), computed directly
 * for the form Roomle sends, `toISOString()`'s `2020-12-31T23:00:00.000Z`: Date.parse is a
 * slow runtime call. Anything else, including out-of-range fields, goes to Date.parse, so the
 * result is the same for every input.
 */
function issuedAtMs(text: string): number {
	if (text.length === 24 && text[23] === 'Z') {
		const year = digitsAt(text, 0, 4);
		const month = digitsAt(text, 5, 2);
		const day = digitsAt(text, 8, 2);
		const hour = digitsAt(text, 11, 2);
		const minute = digitsAt(text, 14, 2);
		const second = digitsAt(text, 17, 2);
		// Date.UTC reads years 0-99 as 1900-1999; Date.parse does not.
		if (year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59) {
			return Date.UTC(year, month - 1, day, hour, minute, second, digitsAt(text, 20, 3));
		}
	}
	return Date.parse(text);
}

/** The number written by `count` ASCII digits at `start` (PLAINTEXT has checked they are digits). */
function digitsAt(text: string, start: number, count: number): number {
	let value = 0;
	for (let i = start; i < start + count; i++) value = value * 10 + text.charCodeAt(i) - 0x30;
	return value;
}

/** Every failure after "header present" is this one error; `detail` is private (tests, debugging). */
function tokenFailure(detail: string): DeliveryError {
	const error = new DeliveryError('bad_token', GENERIC_FAILURE);
	Object.defineProperty(error, 'detail', { value: detail, enumerable: false });
	return error;
}

/**
 * Decrypts and checks a Roomle token. Every failure after "header present" is the same
 * `bad_token` error (no padding oracle); the private `detail` is for tests and debugging only.
 */
export function verifyRoomleToken(input: RoomleTokenVerification): RoomleTokenVerified {
	if (!input.secret || !input.apiKey) {
		throw new DeliveryError('not_configured', 'Token verification is on but the Roomle api key or secret is missing');
	}
	const key = roomleKey(input.secret);
	if (input.token === undefined) throw new DeliveryError('missing_header', `The ${input.headerName} header is missing`);

	// `01-` or `02-`, then at least one character.
	const token = trimOws(input.token);
	const algorithm: RoomleAlgorithm | undefined = token.startsWith('02-') ? '02' : token.startsWith('01-') ? '01' : undefined;
	if (algorithm === undefined || token.length < 4) throw tokenFailure('format');
	const data = decodeBase64(token.slice(3));
	if (!data) throw tokenFailure('base64');

	let found: RoomleTokenVerified | undefined;
	if (algorithm === '02') {
		found = readPlaintext(decrypt(key, algorithm, null, data), input.apiKey, algorithm, undefined);
	} else {
		for (const iv of ROOMLE_IV_CANDIDATES[input.cbcIv ?? 'auto']) {
			const plaintext =
				iv === 'prefixed'
					? decrypt(key, algorithm, data.subarray(0, 16), data.subarray(16))
					: decrypt(key, algorithm, fixedIv(key, iv), data);
			// Every candidate is read even after a hit (see readPlaintext).
			const hit = readPlaintext(plaintext, input.apiKey, algorithm, iv);
			found ??= hit;
		}
	}
	if (!found) throw tokenFailure('decrypt');

	const issuedMs = issuedAtMs(found.issuedAt);
	if (Number.isNaN(issuedMs)) throw tokenFailure('timestamp');
	try {
		assertFreshTimestamp(Math.floor(issuedMs / 1000), input.toleranceSec, input.clock);
	} catch {
		throw tokenFailure('window');
	}
	return found;
}
