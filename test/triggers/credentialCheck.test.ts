// The triggers check their credential where n8n shows an error: when the editor starts listening
// for a test event and when the workflow is published (webhookMethods.default.checkExists).
import type { IHookFunctions, INode } from 'n8n-workflow';

import { TRIGGER_CASES } from './cases';

function hookContext(c: (typeof TRIGGER_CASES)[number], parameters: Record<string, unknown>, data: Record<string, unknown>) {
	const read: string[] = [];
	const ctx = {
		getNode: () => ({ name: c.node.description.displayName, type: c.node.description.name }) as unknown as INode,
		getNodeParameter: (name: string) => parameters[name] ?? c.node.description.properties.find((p) => p.name === name)?.default,
		getCredentials: async (type: string) => {
			read.push(type);
			return data;
		},
	} as unknown as IHookFunctions;
	return { ctx, read };
}

async function checkExists(c: (typeof TRIGGER_CASES)[number], ctx: IHookFunctions): Promise<boolean> {
	const check = c.node.webhookMethods?.default?.checkExists;
	if (!check) throw new Error(`${c.name} has no webhookMethods.default.checkExists`);
	return await check.call(ctx);
}

describe.each(TRIGGER_CASES)('$name Trigger: credential checked on listen and publish', (c) => {
	const [type, data] = Object.entries(c.credentials)[0];

	it('a usable credential passes', async () => {
		const { ctx, read } = hookContext(c, c.parameters, data);
		await expect(checkExists(c, ctx)).resolves.toBe(true);
		expect(read).toEqual([type]);
	});

	it('an unusable one is named, without its secret', async () => {
		const broken = Object.fromEntries(Object.keys(data).map((k) => [k, k === 'headerName' ? 'not a header' : '']));
		const { ctx } = hookContext(c, c.parameters, broken);
		const error = await checkExists(c, ctx).then(() => undefined, (e: Error) => e);
		expect(error?.message).toMatch(new RegExp(`^The ${type} credential cannot be used: `));
		for (const secret of Object.values(data)) expect(error?.message).not.toContain(secret);
	});
});

it('a trigger that verifies nothing does not read its credential', async () => {
	const c = TRIGGER_CASES.find((x) => x.name === 'SynthesisVR')!;
	const { ctx, read } = hookContext(c, { authentication: 'none' }, {});
	await expect(checkExists(c, ctx)).resolves.toBe(true);
	expect(read).toEqual([]);
});
