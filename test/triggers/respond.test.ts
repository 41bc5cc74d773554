import { sendCase, triggerCase } from './cases';
import { expectRejected, received } from './helpers';

/** The triggers whose senders retry on errors; Roomle's fallback uses the same field. */
const RETRYING = ['SYNCHUB', 'ApiRTC', 'Event Webhook', 'Signed Webhook (GitHub)'].map(triggerCase);
const WITH_RESPOND = [...RETRYING, triggerCase('Roomle')];
const SUMMARY = { received: true, accepted: 1, ignored: 0 };
const afterTheWorkflow = { respond: 'lastNode' };

describe.each(RETRYING)('$name Trigger answers before the workflow by default', (c) => {
	it.each([
		['saved without the field', {}],
		['Immediately', { respond: 'onReceived' }],
	])('%s: 200 and the summary, even when the workflow then fails', async (_mode, parameters) => {
		const result = await sendCase(c, { parameters, downstream: 'fail' });
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual(SUMMARY);
		expect(result.executed).toBe(true);
		expect(result.downstreamItems).toHaveLength(1);
		expect(result.executionError).toBeDefined();
	});
});

describe.each(WITH_RESPOND)('$name Trigger, Respond after the workflow', (c) => {
	it('answers 200 with an empty body once the workflow succeeded', async () => {
		const result = await sendCase(c, { parameters: afterTheWorkflow });
		expect(received(result)).toHaveLength(1);
		expect(result.status).toBe(200);
		expect(result.responseBody).toBeUndefined();
	});

	it('answers 500 when the workflow fails, so the sender can send the event again', async () => {
		const result = await sendCase(c, { parameters: afterTheWorkflow, downstream: 'fail' });
		expect(result.executed).toBe(true);
		expect(result.downstreamItems).toHaveLength(1);
		expect(result.status).toBe(500);
		expect(JSON.stringify(result.responseBody)).not.toContain('buyer@example.com');
	});

	it('answers a delivery whose every event is filtered out 200 with the summary, and starts nothing', async () => {
		const result = await sendCase(c, { parameters: { ...afterTheWorkflow, ...c.filterOut }, downstream: 'fail' });
		expect(result.status).toBe(200);
		expect(result.responseBody).toEqual({ received: true, accepted: 0, ignored: 1 });
		expect(result.executed).toBe(false);
	});

	it.each(['onReceived', 'lastNode'])('respond=%s: rejected deliveries keep their 4xx and start nothing', async (respond) => {
		const parameters = { respond };
		expectRejected(await sendCase(c, { parameters, authenticated: false }), 401, 'missing_header');
		// text/plain: n8n leaves the bytes to the node, which refuses them itself.
		expectRejected(await sendCase(c, { parameters, body: '{"not json', contentType: 'text/plain' }), 400, 'bad_payload');
	});
});
