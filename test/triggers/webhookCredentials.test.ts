import type { IWebhookFunctions } from 'n8n-workflow';

import { getWebhookCredentials } from '../../nodes/shared/n8n/webhookCredentials';

/** The documented reuse (README: a rotated secret takes effect within 5 seconds), stated here rather than read from the code. */
const CREDENTIAL_CACHE_TTL_MS = 5_000;

/**
 * The expiry, failure and concurrency rules of the credential reuse, with a clock we control.
 * (Reuse inside a real workflow run is covered in versions.test.ts.) The context is the least
 * of IWebhookFunctions the function reads: the node, the workflow and n8n's lookup.
 */
function context(nodeId: string, credentialId: string, lookup: () => Promise<Record<string, string>>) {
	const calls = { count: 0 };
	const ctx = {
		getNode: () => ({ id: nodeId, credentials: { secretApi: { id: credentialId, name: 'Secret' } } }),
		getWorkflow: () => ({ id: 'wf-1' }),
		getCredentials: async () => {
			calls.count++;
			return await lookup();
		},
	} as unknown as IWebhookFunctions;
	return { ctx, calls };
}

let nodeCounter = 0;
const freshNode = () => `node-${++nodeCounter}`;

describe('getWebhookCredentials', () => {
	it('reuses a lookup until the TTL has passed, then looks up again (a rotated secret lands)', async () => {
		let secret = 'old';
		const { ctx, calls } = context(freshNode(), 'cred-1', async () => ({ secret }));
		let now = 1_000_000;
		const clock = () => now;
		expect(await getWebhookCredentials(ctx, 'secretApi', clock)).toEqual({ secret: 'old' });
		secret = 'new';
		now += CREDENTIAL_CACHE_TTL_MS - 1;
		expect(await getWebhookCredentials(ctx, 'secretApi', clock)).toEqual({ secret: 'old' });
		now += 1;
		expect(await getWebhookCredentials(ctx, 'secretApi', clock)).toEqual({ secret: 'new' });
		expect(calls.count).toBe(2);
	});

	it('shares one lookup among concurrent first requests', async () => {
		const { ctx, calls } = context(freshNode(), 'cred-1', async () => await new Promise((resolve) => setTimeout(() => resolve({ secret: 's' }), 20)));
		const results = await Promise.all(Array.from({ length: 20 }, async () => await getWebhookCredentials(ctx, 'secretApi')));
		expect(results.every((r) => r.secret === 's')).toBe(true);
		expect(calls.count).toBe(1);
	});

	it('does not keep a failed lookup', async () => {
		let fail = true;
		const { ctx, calls } = context(freshNode(), 'cred-1', async () => {
			if (fail) throw new Error('Credentials not found');
			return { secret: 's' };
		});
		await expect(getWebhookCredentials(ctx, 'secretApi')).rejects.toThrow('Credentials not found');
		fail = false;
		expect(await getWebhookCredentials(ctx, 'secretApi')).toEqual({ secret: 's' });
		expect(calls.count).toBe(2);
	});

	it('keys by node and credential: another credential on the same node is looked up', async () => {
		const nodeId = freshNode();
		const a = context(nodeId, 'cred-a', async () => ({ secret: 'a' }));
		const b = context(nodeId, 'cred-b', async () => ({ secret: 'b' }));
		expect(await getWebhookCredentials(a.ctx, 'secretApi')).toEqual({ secret: 'a' });
		expect(await getWebhookCredentials(b.ctx, 'secretApi')).toEqual({ secret: 'b' });
	});

	it('asks n8n directly (no reuse) when the node has no credential set, so n8n names the problem', async () => {
		const ctx = {
			getNode: () => ({ id: freshNode() }),
			getWorkflow: () => ({ id: 'wf-1' }),
			getCredentials: async () => {
				throw new Error('Node does not have any credentials set');
			},
		} as unknown as IWebhookFunctions;
		await expect(getWebhookCredentials(ctx, 'secretApi')).rejects.toThrow('Node does not have any credentials set');
	});
});
