import type { INodeParameters, INodeType } from 'n8n-workflow';

import { runTriggerWorkflow, type TestRequest, type TriggerRunResult } from '../helpers/n8n';

/** Posts raw bytes to a trigger running in a real in-process n8n workflow. */
export async function post(
	node: INodeType,
	parameters: INodeParameters,
	request: Omit<TestRequest, 'body'> & { body: string | Buffer | unknown },
	credentials?: Record<string, Record<string, string>>,
	downstream?: 'noOp' | 'fail',
): Promise<TriggerRunResult> {
	const body =
		typeof request.body === 'string' || Buffer.isBuffer(request.body) ? request.body : JSON.stringify(request.body);
	return await runTriggerWorkflow({
		node,
		parameters,
		credentials,
		downstream,
		request: {
			method: 'POST',
			...request,
			headers: { 'content-type': 'application/json', ...(request.headers ?? {}) },
			body,
		},
	});
}

/** A rejected delivery: the status, a JSON reason with a stable code, and no execution. */
export function expectRejected(result: TriggerRunResult, status: number, code: string): void {
	expect(result.status).toBe(status);
	expect(result.responseBody).toEqual({ error: code, message: expect.any(String) });
	expect(result.executed).toBe(false);
	expect(result.downstreamItems).toHaveLength(0);
}

/** A valid delivery that produced an execution; returns the json of what the next node received. */
export function received(result: TriggerRunResult): Array<Record<string, any>> {
	expect(result.executionError).toBeUndefined();
	expect(result.executed).toBe(true);
	return result.downstreamItems.map((item) => item.json as Record<string, any>);
}
