/**
 * Replays through n8n (issue 9: "a delivery replayed within the timestamp window must not start a
 * second execution"). A captured, verified delivery is sent again to the same node with its
 * credential spelled differently but carrying the SAME digest or ciphertext, in a form the
 * verifier accepts on purpose: hex in the other case, the prefix in another case, base64 in the
 * URL-safe alphabet or without padding, the unused bits of base64's last character changed, or a
 * second (bogus) signature added as during a key rotation. Anyone who captured the delivery can
 * do this without any secret. The copy must not start a second execution.
 *
 * Found by this property: the replay identity was built from the raw header text, so each
 * re-spelling ran the workflow again (e.g. SYNCHUB HMAC sha1 hex, prefix "A", the signature in
 * upper case; a Roomle `01-` token without its `==` padding). Fixed in cf11e3e (identity from
 * what was verified); kept as a regression property. Runs: FUZZ_N8N_RUNS per scheme, two requests
 * each.
 */
import { randomUUID } from 'node:crypto';

import * as fc from 'fast-check';

import { runTriggerWorkflow } from '../helpers/n8n';
import { secretText } from './arbitraries';
import { ensure } from './contracts';
import { nodeConfig } from './n8nHarness';
import { checkAsyncProperty, FUZZ_TIMEOUT_MS, nextNonce, note } from './run';
import { hmacSchemeArb, roomleKeyText, rotatingSecrets, type VendorSettings, whsecArb } from './scenarios';
import { type Encoding, encodeDigest, hmac, roomleToken, signedBytes, standardWebhooksHeaders } from './senders';

type Respelling = 'case' | 'prefixCase' | 'alphabet' | 'unpadded' | 'lastBits' | 'rotation';

/** The same digest/ciphertext written differently; undefined when this spelling does not apply. */
function respell(prefix: string, encoded: string, encoding: Encoding, how: Respelling): string | undefined {
	switch (how) {
		case 'case': {
			if (encoding !== 'hex') return undefined;
			const other = encoded === encoded.toLowerCase() ? encoded.toUpperCase() : encoded.toLowerCase();
			return other === encoded ? undefined : prefix + other;
		}
		case 'prefixCase': {
			const other = prefix.toUpperCase() === prefix ? prefix.toLowerCase() : prefix.toUpperCase();
			return other === prefix ? undefined : other + encoded;
		}
		case 'alphabet': {
			if (encoding !== 'base64' || !/[+/]/.test(encoded)) return undefined;
			return prefix + encoded.replace(/\+/g, '-').replace(/\//g, '_');
		}
		case 'unpadded':
			return encoding === 'base64' && encoded.endsWith('=') ? prefix + encoded.replace(/=+$/, '') : undefined;
		case 'lastBits': {
			if (encoding !== 'base64') return undefined;
			const data = encoded.replace(/=+$/, '');
			const padding = encoded.slice(data.length);
			const unused = padding.length === 1 ? 2 : padding.length === 2 ? 4 : 0;
			if (unused === 0) return undefined;
			const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
			const value = alphabet.indexOf(data[data.length - 1]);
			return prefix + data.slice(0, -1) + alphabet[value ^ 1] + padding;
		}
		case 'rotation':
			return `${prefix}${encoded}${prefix.includes(',') ? ' ' : ', '}${prefix}${encoding === 'hex' ? 'ab'.repeat(encoded.length / 2) : 'QUJD'}`;
	}
}

interface Captured {
	configured: VendorSettings;
	respond: 'onReceived' | 'lastNode';
	body: Buffer;
	headers: Record<string, string>;
	/** The credential header and how its value is built. */
	header: string;
	prefix: string;
	encoded: string;
	encoding: Encoding;
}

const body = (nonce: number) => Buffer.from(JSON.stringify({ event: 'sync_run_completed', runId: `run-${nonce}`, status: 'success' }));

/**
 * SYNCHUB with a signed timestamp (HMAC, auto-detect) or Standard Webhooks, answered at once:
 * answered after the workflow, SYNCHUB's copies run again on purpose (the earlier one may have
 * failed and SYNCHUB retries), so only Roomle is fuzzed in both modes.
 */
const synchubCaptured = fc
	.record({
		mode: fc.constantFrom('hmac' as const, 'standardWebhooks' as const, 'auto' as const),
		scheme: hmacSchemeArb.map((scheme) => ({ ...scheme, signedContent: 'timestamp.body' as const })),
		secrets: rotatingSecrets(secretText),
		whsec: whsecArb.filter((s) => s.length > 'whsec_'.length + 4),
		respond: fc.constant('onReceived' as const),
	})
	.map((record) => ({ kind: 'synchub' as const, ...record }));

type SynchubRecord = typeof synchubCaptured extends fc.Arbitrary<infer T> ? T : never;

function captureSynchub({ mode, scheme, secrets, whsec, respond }: SynchubRecord, nonce: number): Captured {
	const now = String(Math.floor(Date.now() / 1000));
	const payload = body(nonce);
	if (mode === 'standardWebhooks') {
		const headers = standardWebhooksHeaders(Buffer.from(whsec.slice('whsec_'.length), 'base64'), `msg_${nonce}`, now, payload);
		// Answering at once, the webhook-id alone identifies the message: a re-spelled signature too.
		return {
			configured: { vendor: 'synchub', settings: { verification: { mode, secrets: [whsec], toleranceSec: 300 } } },
			respond,
			body: payload,
			headers,
			header: 'webhook-signature',
			prefix: 'v1,',
			encoded: headers['webhook-signature'].slice(3),
			encoding: 'base64',
		};
	}
	const secret = secrets.find((s) => s !== '') as string;
	const prefix = mode === 'auto' ? (scheme.prefix.match(/^(sha1|sha256|sha512|v1)[=,]$/i) ? scheme.prefix : '') : scheme.prefix;
	const algorithm = mode === 'auto' && prefix.startsWith('sha') ? (prefix.slice(0, -1).toLowerCase() as 'sha1' | 'sha256' | 'sha512') : scheme.algorithm;
	const encoded = encodeDigest(hmac(algorithm, secret, signedBytes('timestamp.body', payload, now)), { encoding: scheme.encoding, variant: false, unpadded: false });
	const verification =
		mode === 'hmac'
			? { mode, secrets, scheme: { ...scheme, algorithm }, signatureHeader: 'x-synchub-signature', timestampHeader: 'x-synchub-timestamp', toleranceSec: 300 }
			: { mode, secrets, toleranceSec: 300 };
	return {
		configured: { vendor: 'synchub', settings: { verification } },
		respond,
		body: payload,
		headers: { 'x-synchub-signature': prefix + encoded, 'x-synchub-timestamp': now },
		header: 'x-synchub-signature',
		prefix,
		encoded,
		encoding: scheme.encoding,
	};
}

const roomleCaptured = fc
	.record({
		secret: roomleKeyText,
		apiKey: secretText,
		algorithm: fc.constantFrom('01' as const, '02' as const),
		respond: fc.constantFrom('onReceived' as const, 'lastNode' as const),
	})
	.map((record) => ({ kind: 'roomle' as const, ...record }));

type RoomleRecord = typeof roomleCaptured extends fc.Arbitrary<infer T> ? T : never;

function captureRoomle({ secret, apiKey, algorithm, respond }: RoomleRecord, nonce: number): Captured {
	const token = roomleToken({ secret, apiKey, sessionToken: 'anonymous', date: new Date(), algorithm, iv: 'zero' });
	return {
		configured: { vendor: 'roomle', settings: { token: { headerName: 'token', apiKey, secret, toleranceSec: 300, cbcIv: 'auto' } } },
		respond,
		body: Buffer.from(JSON.stringify({ event: 'email.savedConfiguration', data: { configurationId: `c-${nonce}` } })),
		headers: { token },
		header: 'token',
		prefix: token.slice(0, 3),
		encoded: token.slice(3),
		encoding: 'base64',
	};
}

const capture = (record: SynchubRecord | RoomleRecord, nonce: number): Captured => (record.kind === 'roomle' ? captureRoomle(record, nonce) : captureSynchub(record, nonce));

const respelling = fc.constantFrom<Respelling>('case', 'prefixCase', 'alphabet', 'unpadded', 'lastBits', 'rotation');

describe('n8n: a re-spelled copy of a verified delivery is still a replay', () => {
	for (const [name, captured] of [
		['SYNCHUB (HMAC or auto-detect with a signed timestamp, or Standard Webhooks, answered at once)', synchubCaptured],
		['Roomle token', roomleCaptured],
	] as Array<[string, fc.Arbitrary<SynchubRecord | RoomleRecord>]>) {
		test(
			`replay ${name}: the copy starts no second execution`,
			async () => {
				await checkAsyncProperty(
					`replay ${name}: the copy starts no second execution`,
					fc.asyncProperty(captured, respelling, async (record, how) => {
						const c = capture(record, nextNonce());
						const copy = respell(c.prefix, c.encoded, c.encoding, how);
						if (copy === undefined) {
							note('spelling does not apply');
							return;
						}
						const config = nodeConfig(c.configured, c.respond);
						const nodeId = randomUUID();
						const send = (headers: Record<string, string>) =>
							runTriggerWorkflow({ node: config.node, parameters: config.parameters, credentials: config.credentials, nodeId, request: { method: 'POST', body: c.body, headers: { 'content-type': 'application/json', ...headers } } });
						const first = await send(c.headers);
						ensure(first.executed, () => `the original delivery did not run: ${first.status} ${first.responseRawBody.toString('utf8')}`);
						const again = await send({ ...c.headers, [c.header]: copy });
						note(again.executed ? `${how}: ran again` : `${how}: ${again.status}`);
						ensure(!again.executed, () => `a copy with the credential re-spelled (${how}: ${JSON.stringify(copy)}, was ${JSON.stringify(c.headers[c.header])}) ran the workflow again`);
					}),
				);
			},
			FUZZ_TIMEOUT_MS,
		);
	}
});
