import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { decodeBase64 } from './encoding';
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
export const ROOMLE_IV_CANDIDATES: Record<RoomleCbcIv, readonly RoomleIv[]> = { auto: ['zero', 'key'], prefixed: ['prefixed'] };

const PLAINTEXT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}(?::?\d{2})?));([^;]*);(.*)$/s;
const GENERIC_FAILURE = 'The token is not valid';

export function roomleKey(secret: string): Buffer {
	const key = Buffer.from(secret, 'utf8');
	if (![16, 24, 32].includes(key.length)) {
		throw new DeliveryError('not_configured', 'The Roomle secret must be 16, 24 or 32 bytes long');
	}
	return key;
}

function cipherName(key: Buffer, algorithm: RoomleAlgorithm): string {
	return `aes-${key.length * 8}-${algorithm === '01' ? 'cbc' : 'ecb'}`;
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
	const plain = Buffer.concat([decipher.update(data), decipher.final()]);
	const pad = plain[plain.length - 1];
	let bad = pad < 1 || pad > 16 ? 1 : 0;
	for (let i = 1; i <= 16; i++) bad |= i <= pad && plain[plain.length - i] !== pad ? 1 : 0;
	return { text: plain.subarray(0, plain.length - (bad ? 0 : pad)).toString('utf8'), paddingOk: bad === 0 };
}

function sameSecret(a: string, b: string): boolean {
	// Hash first so the comparison time does not reveal the api key's length either.
	const left = createHash('sha256').update(a).digest();
	const right = createHash('sha256').update(b).digest();
	return timingSafeEqual(left, right);
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
 * Decrypts and checks a Roomle token. Every failure after "header present" is the same
 * `bad_token` error (no padding oracle); the private `detail` is for tests and debugging only.
 */
export function verifyRoomleToken(input: RoomleTokenVerification): RoomleTokenVerified {
	if (!input.secret || !input.apiKey) {
		throw new DeliveryError('not_configured', 'Token verification is on but the Roomle api key or secret is missing');
	}
	const key = roomleKey(input.secret);
	if (input.token === undefined) throw new DeliveryError('missing_header', `The ${input.headerName} header is missing`);

	const fail = (detail: string): DeliveryError => {
		const error = new DeliveryError('bad_token', GENERIC_FAILURE);
		Object.defineProperty(error, 'detail', { value: detail, enumerable: false });
		return error;
	};

	const match = /^(01|02)-(.+)$/s.exec(input.token.trim());
	if (!match) throw fail('format');
	const algorithm = match[1] as RoomleAlgorithm;
	const data = decodeBase64(match[2]);
	if (!data) throw fail('base64');

	const attempts: Array<{ iv?: RoomleIv; plaintext: { text: string; paddingOk: boolean } }> =
		algorithm === '02'
			? [{ plaintext: decrypt(key, algorithm, null, data) }]
			: ROOMLE_IV_CANDIDATES[input.cbcIv ?? 'auto'].map((iv) => ({
					iv,
					plaintext:
						iv === 'prefixed'
							? decrypt(key, algorithm, data.subarray(0, 16), data.subarray(16))
							: decrypt(key, algorithm, fixedIv(key, iv), data),
				}));

	let found: RoomleTokenVerified | undefined;
	for (const attempt of attempts) {
		// Every candidate runs the same steps whatever failed, so timing reveals neither the
		// padding nor which IV a forged token hit.
		const fields = PLAINTEXT.exec(attempt.plaintext.text);
		const keyMatches = sameSecret(fields ? fields[3] : '', input.apiKey);
		if (attempt.plaintext.paddingOk && fields && keyMatches && !found) {
			found = { algorithm, ...(attempt.iv ? { iv: attempt.iv } : {}), sessionToken: fields[2], issuedAt: fields[1] };
		}
	}
	if (!found) throw fail('decrypt');

	const issuedMs = Date.parse(found.issuedAt);
	if (Number.isNaN(issuedMs)) throw fail('timestamp');
	try {
		assertFreshTimestamp(Math.floor(issuedMs / 1000), input.toleranceSec, input.clock);
	} catch {
		throw fail('window');
	}
	return found;
}
