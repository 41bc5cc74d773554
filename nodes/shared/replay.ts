import { createHash } from 'node:crypto';

import { bodyFingerprint } from './hmac';

/**
 * What makes a verified delivery recognisable when it comes again, while its timestamp (or token
 * time) is still inside the accepted window. Outside the window the verifier refuses it anyway.
 */
export interface ReplayIdentity {
	/** The sender's id for the message, the same on every retry (Standard Webhooks `webhook-id`). */
	messageId?: string;
	/** The exact signed request (timestamp + signature, token + body): what a captured copy repeats. */
	request: string;
	/** How long a copy can still pass verification: twice the tolerance (either direction). */
	windowSec: number;
}

/**
 * The identity of a delivery whose signature covers its timestamp: a copy is recognisable for
 * as long as it would pass (twice the tolerance). A copy is the same signed content (time as
 * read, message id, body), however its headers are spelled: hex case, base64 alphabet or
 * padding, extra signatures, leading zeros. Undefined when nothing bounds a copy's life.
 */
export function signedContentReplay(body: Buffer, timestampSec: number | undefined, toleranceSec: number, messageId?: string): ReplayIdentity | undefined {
	if (timestampSec === undefined || !(toleranceSec > 0)) return undefined;
	return { messageId, request: `${messageId ?? ''}\n${timestampSec}\n${bodyFingerprint(body)}`, windowSec: 2 * toleranceSec };
}

/**
 * Remembers verified deliveries for as long as a copy could pass verification, in a bounded Map
 * (insertion order: expired and, when full, oldest entries go first). Keys are hashed, so a long
 * token costs no more memory than a short one: about 150 bytes per entry.
 */
export class ReplayCache {
	private readonly expiries = new Map<string, number>();

	constructor(readonly maxEntries: number) {}

	/** Records `identity` in `scope` until `now + windowMs`; true if it was already there. */
	seenBefore(scope: string, identity: string, windowMs: number, now: number): boolean {
		const key = createHash('sha256').update(scope).update('\n').update(identity).digest('base64');
		const expiry = this.expiries.get(key);
		if (expiry !== undefined && expiry > now) return true;
		this.expiries.delete(key);
		for (const [oldest, at] of this.expiries) {
			if (at > now && this.expiries.size < this.maxEntries) break;
			this.expiries.delete(oldest);
		}
		this.expiries.set(key, now + windowMs);
		return false;
	}

	get size(): number {
		return this.expiries.size;
	}
}
