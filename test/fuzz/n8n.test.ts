/**
 * Hostile requests through n8n itself: each trigger runs in a real in-process workflow
 * (test/helpers/n8n: n8n-core's WebhookContext and WorkflowExecute, n8n's request handling
 * re-created), reached through `handleDelivery`, with node parameters and credentials built from
 * the same settings the pure properties use, and the real clock.
 *
 * Contract: the answer is 2xx or 4xx, never 5xx and never no answer; a 4xx answer starts no
 * execution and is JSON with a string reason; a started execution runs without error (n8n can
 * store and show it); no answer contains a secret; a request without a valid credential never
 * starts an execution.
 *
 * Runs per trigger: FUZZ_N8N_RUNS (30 inside `npm test`, FUZZ_RUNS / 5 under `npm run fuzz`).
 */
import * as fc from 'fast-check';

import { runTriggerWorkflow, type TestRequest } from '../helpers/n8n';
import { anyText, bodyFor, headerMap, ipArb, queryMap, type Vendor } from './arbitraries';
import { ensure } from './contracts';
import { asRequestHeaders, checkAnswer, nodeConfig, qsLike } from './n8nHarness';
import { checkAsyncProperty, FUZZ_TIMEOUT_MS } from './run';
import { authConfigured, mergeHeaders, MUST_REFUSE, present, presentationArb, secretsOf, settingsArb } from './scenarios';

/** Content types n8n handles before the node (the harness does not re-create multipart or XML). */
const contentTypeArb = fc.oneof(
	fc.constantFrom('application/json', 'application/JSON', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', undefined),
	anyText.filter((type) => !/multipart\/|\/xml|\+xml/i.test(type.toLowerCase())),
);

const TRIGGERS: Vendor[] = ['synthesisVr', 'synchub', 'apiRtc', 'roomle', 'eventWebhook'];

describe('n8n: hostile requests through handleDelivery', () => {
	for (const vendor of TRIGGERS) {
		test(
			`n8n ${vendor}: only 2xx/4xx, no execution when refused, executions run clean, no secret answered`,
			async () => {
				await checkAsyncProperty(
					`n8n ${vendor}: only 2xx/4xx, no execution when refused, executions run clean, no secret answered`,
					fc.asyncProperty(
						settingsArb[vendor],
						bodyFor(vendor),
						headerMap,
						queryMap,
						ipArb,
						contentTypeArb,
						presentationArb,
						fc.constantFrom('onReceived' as const, 'lastNode' as const),
						fc.boolean(),
						async (configured, body, hostileHeaders, query, ip, contentType, presentation, respond, credentialsFirst) => {
							const credentials = present(configured, body, presentation, Math.floor(Date.now() / 1000));
							const headers = asRequestHeaders(mergeHeaders(hostileHeaders, credentials.headers, credentialsFirst));
							if (contentType === undefined) delete headers['content-type'];
							else headers['content-type'] = contentType;
							const config = nodeConfig(configured, respond);
							const request: TestRequest = { method: 'POST', body, headers, query: qsLike({ ...query, ...credentials.query }) as Record<string, string>, ...(ip !== undefined ? { ip } : {}) };
							const result = await runTriggerWorkflow({ node: config.node, parameters: config.parameters, credentials: config.credentials, request });
							checkAnswer(result, secretsOf(configured));
							if (authConfigured(configured) && MUST_REFUSE.has(presentation.kind)) {
								const wrongIsRight = presentation.kind === 'wrongSecret' && secretsOf(configured).some((secret) => secret.includes(presentation.otherSecret));
								ensure(wrongIsRight || !result.executed, () => `a request with credential "${presentation.kind}" started an execution`);
							}
						},
					),
				);
			},
			FUZZ_TIMEOUT_MS,
		);
	}
});
