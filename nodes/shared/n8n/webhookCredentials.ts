import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

/**
 * How long a trigger reuses a credential it decrypted for an earlier request. A credential
 * edited in n8n (a rotated secret) takes effect within this delay on every instance.
 *
 * Why a cache at all: in a webhook context `getCredentials()` takes n8n's run-less credential
 * path, which acquires an expression isolate (~34 ms CPU under the default `vm` engine) on every
 * request, twice what the rest of a delivery costs. Under load, one lookup per credential every
 * few seconds serves every request in between. See docs/n8n-upstream-isolates.md.
 */
const CREDENTIAL_CACHE_TTL_MS = 5_000;

/** Entries are short-lived; the bound only matters for instances with thousands of triggers. */
const MAX_ENTRIES = 500;

interface Entry {
	expiresAt: number;
	value: Promise<ICredentialDataDecryptedObject>;
	timer: NodeJS.Timeout;
}

const cache = new Map<string, Entry>();

function forget(key: string, entry: Entry): void {
	clearTimeout(entry.timer);
	if (cache.get(key) === entry) cache.delete(key);
}

/**
 * `ctx.getCredentials(type)` for triggers, reused for {@link CREDENTIAL_CACHE_TTL_MS}. Keyed by
 * workflow, node and credential id, so a node pointed at another credential, or another node,
 * never sees this one's secret. Concurrent first requests share one lookup; failures are not
 * kept. Secrets leave memory when their entry expires (a timer drops it, even on an idle node).
 */
export async function getWebhookCredentials(
	ctx: IWebhookFunctions,
	type: string,
	now: () => number = Date.now,
): Promise<ICredentialDataDecryptedObject> {
	const node = ctx.getNode();
	const reference = node.credentials?.[type];
	// No stored reference: let n8n raise its own "credentials not set" error, uncached.
	if (!reference?.id) return await ctx.getCredentials(type);
	const key = [ctx.getWorkflow().id ?? '', node.id, type, reference.id].join('\u0000');

	const hit = cache.get(key);
	if (hit && hit.expiresAt > now()) return await hit.value;
	if (hit) forget(key, hit);

	const value = ctx.getCredentials(type);
	const entry: Entry = {
		expiresAt: now() + CREDENTIAL_CACHE_TTL_MS,
		value,
		timer: setTimeout(() => forget(key, entry), CREDENTIAL_CACHE_TTL_MS),
	};
	entry.timer.unref();
	cache.set(key, entry);
	if (cache.size > MAX_ENTRIES) {
		const [oldestKey, oldest] = cache.entries().next().value as [string, Entry];
		forget(oldestKey, oldest);
	}
	// A failed lookup is not kept: the next request asks n8n again.
	value.catch(() => forget(key, entry));
	return await value;
}

/** A credential's current and previous secret, as the verifiers take them (blank: none). */
export function rotatingSecrets(credentials: ICredentialDataDecryptedObject, current = 'secret', previous = 'previousSecret'): string[] {
	return [credentials[current], credentials[previous]].map((value) => String(value ?? ''));
}
