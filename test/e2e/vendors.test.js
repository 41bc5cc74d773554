'use strict';
// Every vendor trigger and Send Webhook on ONE real n8n: all templates/*.json plus the
// test/e2e/fixtures/vendors-*.workflow.json fixtures are imported and activated, real HTTP
// deliveries go to the production URLs n8n registered, and the results are read back through
// n8n's public API. Runs under `node --test`.
//
// "No execution" is proven without sleeping: after a rejected delivery, a valid one is sent to
// the same workflow, and once ITS execution has finished the workflow must have exactly one new
// execution, and it must be the valid one (a rejected delivery, answered first, would have
// started its execution first).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startE2E, postWebhook, e2eTest } = require('./harness');
const {
	vendorHelpers, TEMPLATES, PKG, credentialsFile, fixtureFiles, SYNCHUB_SECRET, STD_WH_SECRET, APIRTC, ROOMLE,
	createRoomleToken, signStandardWebhook, nodeItems, assertRejected, assertAccepted, json, hmacHex, nowSec,
	SYNTHESISVR_BATCH, failedSyncRun, synchubDelivery, apiRtcTicket, apiRtcHeaders, roomleEvent, roomleToken,
	genericEvent, eventWebhookDelivery, SEND_CASES, svrSession, githubDelivery, HMAC_SECRET,
} = require('./vendor-helpers');

const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)
const CASE_TIMEOUT = 60000;

/** Roomle REST API docs ("Authentication"): the published example token and what it encrypts. */
const ROOMLE_PUBLISHED = {
	secret: 'a-Secr3t_Str1ng!',
	apiKey: 'aValidApiKey',
	sessionToken: 'aSessionToken',
	issuedAt: '2020-12-31T23:00:00.000Z',
	token: '02-jOi87tgUadH3EGwcs/FPR44LlPEVoayzgkkkzmMbPwz50gNngNxgX8aNmNZ1SMAy31j1qsB9RvlF1RxiILGYDQ==',
};

let n8n;
const h = vendorHelpers(() => n8n);
const { workflow, triggerUrl, executionIds, newExecutions, synthesisVrUrl, rejectedWithoutExecution } = h;
const timings = {};

t.before(async () => {
	n8n = await startE2E({ workflows: [TEMPLATES, ...fixtureFiles], credentials: credentialsFile });
}, COLD_TIMEOUT);

t.after(async () => {
	if (n8n) await n8n.stop();
	if (Object.keys(timings).length) process.stderr.write(`[vendors.test] ${JSON.stringify(timings)}\n`);
}, 60000);

// ---------------------------------------------------------------------------------------------
// 0. setup sanity

t.test('every template and vendors fixture is imported, activated and registered', async () => {
	const files = fs.readdirSync(TEMPLATES).filter((f) => f.endsWith('.json'));
	for (const f of files) assert.ok(workflow(f).hasWebhooks, f);
	for (const f of fixtureFiles) assert.ok(workflow(path.basename(f)).webhookUrls.length >= 1, f);
	const { data } = await n8n.api('/workflows?limit=250');
	const active = new Set(data.filter((w) => w.active).map((w) => w.id));
	for (const wf of n8n.workflows) assert.ok(active.has(wf.id), `${wf.name} is not active`);
	// Our triggers: /webhook/<the node's webhookId>/webhook.
	const template = JSON.parse(fs.readFileSync(path.join(TEMPLATES, 'synthesisvr-sessions.json'), 'utf8'));
	const node = template.nodes.find((n) => n.type === `${PKG}.synthesisVrTrigger`);
	assert.equal(triggerUrl('synthesisvr-sessions.json'), `${n8n.webhookBaseUrl}/webhook/${node.webhookId}/webhook`);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 1. valid deliveries → one successful execution each, with the expected items

t.test('SynthesisVR template: a batch of 3 events with ?token= → 3 items after the trigger', async () => {
	const wf = workflow('synthesisvr-sessions.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(synthesisVrUrl(), json(SYNTHESISVR_BATCH));
	assertAccepted(res, 3);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const items = nodeItems(execution, 'SynthesisVR Trigger');
	assert.equal(items.length, 3);
	assert.deepEqual(
		items.map((i) => i.meta.dedupKey),
		SYNTHESISVR_BATCH.map((e) => `${e.uuid}:${e.action}`),
	);
	for (const item of items) {
		assert.equal(item.meta.vendor, 'synthesisvr');
		assert.equal(item.meta.verified, true);
		assert.deepEqual(item.meta.verification, { method: 'sharedToken', source: 'query' });
	}
	assert.deepEqual(items.map((i) => i.meta.eventType), ['session.create', 'session.delete', 'session.create']);
	// All 3 reach "Session created?", and are routed 2 / 1.
	assert.equal(execution.data.resultData.runData['Session created?'][0].data.main.flat().length, 3);
	assert.equal(nodeItems(execution, 'New session').length, 2);
	assert.equal(nodeItems(execution, 'Removed session').length, 1);
}, CASE_TIMEOUT);

t.test('ApiRTC template: Content-Type application/JSON + X-Webhook-Secret, ticket closed → typed item', async () => {
	const wf = workflow('apirtc-ticket-state.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('apirtc-ticket-state.json'), {
		body: JSON.stringify(apiRtcTicket(100, 'closed')),
		headers: apiRtcHeaders,
	});
	assertAccepted(res);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'ApiRTC Trigger');
	assert.equal(item.object, 'ticket');
	assert.equal(item.props.state, 'closed');
	assert.equal(item.timeIso, new Date(1575976413 * 1000).toISOString());
	assert.equal(item.meta.verified, true);
	assert.deepEqual(item.meta.verification, { method: 'customHeader', header: APIRTC.headerName });
	assert.deepEqual(nodeItems(execution, 'Ticket finished').map((i) => i.summary), [`Ticket 100 is closed (${item.timeIso})`]);
}, CASE_TIMEOUT);

t.test('Roomle template (respond after the workflow): fresh 02- token + data.email → 2xx, success', async () => {
	const wf = workflow('roomle-share-email.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('roomle-share-email.json'), {
		body: JSON.stringify(roomleEvent({ email: 'buyer@example.com' })),
		headers: { 'content-type': 'application/json', token: roomleToken() },
	});
	assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
	timings.roomleSuccessAnswer = `${res.status} ${JSON.stringify(res.text)}`;

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Roomle Trigger');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.method, 'roomleToken');
	assert.equal(item.meta.verification.algorithm, '02');
	assert.equal(item.meta.verification.anonymous, true);
	assert.deepEqual(nodeItems(execution, 'Compose email').map((i) => i.to), ['buyer@example.com']);
}, CASE_TIMEOUT);

t.test('Roomle template: the published token format (02-, standard base64, a session token) is accepted', async () => {
	const pub = ROOMLE_PUBLISHED;
	assert.deepEqual({ secret: ROOMLE.secret, apiKey: ROOMLE.apiKey }, { secret: pub.secret, apiKey: pub.apiKey });
	// Our signer reproduces the published example byte for byte ...
	assert.equal(createRoomleToken({ secret: pub.secret, apiKey: pub.apiKey, sessionToken: pub.sessionToken, date: new Date(pub.issuedAt) }), pub.token);
	// ... which is from 2020, so stale: a fresh token of exactly the same shape, with characters
	// only standard base64 has ('+' or '/'), stands in for it.
	const shape = /^02-[A-Za-z0-9+/]+={0,2}$/;
	let token;
	for (let ms = 0; ms < 1000 && !token; ms++) {
		const candidate = createRoomleToken({ secret: pub.secret, apiKey: pub.apiKey, sessionToken: pub.sessionToken, date: new Date(Date.now() - ms) });
		if (/[+/]/.test(candidate)) token = candidate;
	}
	assert.ok(token, 'no fresh token with + or / in 1000 tries');
	assert.match(token, shape);
	assert.match(pub.token, shape);
	assert.equal(token.length, pub.token.length);

	const wf = workflow('roomle-share-email.json');
	const url = triggerUrl('roomle-share-email.json');
	const before = await executionIds(wf.id);
	// The published token itself: valid format, right key, but outside the 300 s window.
	const stale = await postWebhook(url, {
		body: JSON.stringify(roomleEvent({ email: 'stale@example.com' })),
		headers: { 'content-type': 'application/json', token: pub.token },
	});
	assertRejected(stale, 401, 'bad_token');

	const res = await postWebhook(url, {
		body: JSON.stringify(roomleEvent({ email: 'published-shape@example.com' })),
		headers: { 'content-type': 'application/json', token },
	});
	assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Roomle Trigger');
	assert.equal(item.data.email, 'published-shape@example.com');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.algorithm, '02');
	assert.equal(item.meta.verification.anonymous, false);
	assert.doesNotMatch(JSON.stringify(item), /aSessionToken/, 'the session token is never put in the item');
}, CASE_TIMEOUT);

t.test('SYNCHUB template (failure only, syncRunCompleted): HMAC-SHA256 hex of the raw body → verified, outcome failure', async () => {
	const wf = workflow('synchub-failed-sync-alert.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('synchub-failed-sync-alert.json'), synchubDelivery(failedSyncRun('run-e2e-valid')));
	assertAccepted(res);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'SYNCHUB Trigger');
	assert.equal(item.runId, 'run-e2e-valid');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.outcome, 'failure');
	assert.equal(item.meta.kind, 'syncRunCompleted');
	assert.deepEqual(
		{ ...item.meta.verification, secretIndex: undefined },
		{ method: 'hmac', header: 'x-synchub-signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body', secretIndex: undefined },
	);
	assert.equal(nodeItems(execution, 'Alert text')[0].alert, 'SYNCHUB sync run failed: orders-endpoint (Upstream timeout)');
}, CASE_TIMEOUT);

t.test('GitHub template: signed push and issues.opened deliveries → verified, routed by X-GitHub-Event', async () => {
	const wf = workflow('github-route-by-event.json');
	const url = triggerUrl('github-route-by-event.json');
	const push = { ref: 'refs/heads/main', pusher: { name: 'octocat' }, repository: { full_name: 'octo/e2e' }, commits: [{ id: 'c1', message: 'Fix', url: 'https://github.com/octo/e2e/commit/c1' }] };
	const issue = { action: 'opened', issue: { number: 7, title: 'Broken', html_url: 'https://github.com/octo/e2e/issues/7' }, repository: { full_name: 'octo/e2e' } };

	let before = await executionIds(wf.id);
	assertAccepted(await postWebhook(url, githubDelivery('push', push, { delivery: 'e2e-delivery-push' })));
	let [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Signed Webhook Trigger');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.eventType, 'push');
	assert.equal(item.meta.dedupKey, 'e2e-delivery-push');
	assert.equal(item.meta.verification.preset, 'github');
	assert.equal(nodeItems(execution, 'Push')[0].summary, 'octocat pushed 1 commit(s) to refs/heads/main in octo/e2e');
	assert.ok(!execution.data.resultData.runData.Issue, 'a push goes to Push only');

	before = await executionIds(wf.id);
	assertAccepted(await postWebhook(url, githubDelivery('issues', issue)));
	[execution] = await newExecutions(wf.id, before);
	assert.equal(nodeItems(execution, 'Issue')[0].summary, 'Issue #7 opened: Broken (https://github.com/octo/e2e/issues/7)');

	before = await executionIds(wf.id);
	assertAccepted(await postWebhook(url, githubDelivery('ping', { zen: 'Keep it logically awesome.', hook_id: 1 })));
	[execution] = await newExecutions(wf.id, before);
	assert.equal(nodeItems(execution, 'Other event')[0].summary, 'GitHub event ping from GitHub');
}, CASE_TIMEOUT);

t.test('GitHub template: a tampered body, a wrong secret or no signature → 401, no execution', async () => {
	const url = triggerUrl('github-route-by-event.json');
	const signed = githubDelivery('push', { ref: 'refs/heads/main', commits: [] });
	const tampered = { ...signed, body: signed.body.replace('main', 'prod') };
	const wrongSecret = githubDelivery('push', { ref: 'refs/heads/main', commits: [] }, { secret: 'not-the-secret' });
	const unsigned = { body: signed.body, headers: { 'content-type': 'application/json', 'x-github-event': 'push' } };
	await rejectedWithoutExecution(
		'github-route-by-event.json',
		[
			{ send: () => postWebhook(url, tampered), check: (res) => assertRejected(res, 401, 'bad_signature') },
			{ send: () => postWebhook(url, wrongSecret), check: (res) => assertRejected(res, 401, 'bad_signature') },
			{ send: () => postWebhook(url, unsigned), check: (res) => assertRejected(res, 401, 'missing_header') },
		],
		() => postWebhook(url, githubDelivery('issues', { action: 'closed', issue: { number: 8, title: 'After', html_url: 'x' } })),
		(e) => nodeItems(e, 'Signed Webhook Trigger')[0].issue?.number === 8,
	);
}, CASE_TIMEOUT);

t.test("Signed Webhook Trigger (Slack): Slack's signed url_verification is answered with its challenge and starts nothing", async () => {
	const key = 'vendors-signed-slack.workflow.json';
	const slack = (payload) => {
		const body = JSON.stringify(payload);
		const timestamp = String(nowSec());
		const signature = crypto.createHmac('sha256', HMAC_SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
		return { body, headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${signature}` } };
	};
	const url = triggerUrl(key);
	const challenge = { token: 'legacy', challenge: 'e2e-challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' };
	await rejectedWithoutExecution(
		key,
		[
			{
				send: () => postWebhook(url, slack(challenge)),
				check: (res) => {
					assert.equal(res.status, 200, res.text);
					assert.equal(JSON.parse(res.text).challenge, challenge.challenge, res.text);
				},
			},
			// The same challenge unsigned is refused like any delivery: the handshake comes after verification.
			{ send: () => postWebhook(url, json(challenge)), check: (res) => assertRejected(res, 401, 'missing_header') },
		],
		() => postWebhook(url, slack({ type: 'event_callback', event_id: 'Ev_after_challenge', event: { type: 'app_mention' } })),
		(e) => nodeItems(e, 'Signed Webhook Trigger')[0].event_id === 'Ev_after_challenge',
	);
}, CASE_TIMEOUT);

t.test('Event Webhook template: generic envelope + x-api-key → event_time normalised', async () => {
	const wf = workflow('event-webhook-router.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('event-webhook-router.json'), eventWebhookDelivery(genericEvent('order.created', { orderId: 42 })));
	assertAccepted(res);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	const [item] = nodeItems(execution, 'Event Webhook Trigger');
	assert.equal(item.event_time, '2023-11-14T22:13:20.000Z');
	assert.equal(item.meta.originalEventTime, 1700000000);
	assert.equal(item.meta.verified, true);
	assert.deepEqual(item.meta.verification, { method: 'apiKey', source: 'header', keyIndex: 0 });
	assert.deepEqual(nodeItems(execution, 'Order event')[0], { summary: 'Order event order.created at 2023-11-14T22:13:20.000Z', data: { orderId: 42 } });
}, CASE_TIMEOUT);

t.test('SYNCHUB typeVersion 1 (saved workflows) and 2 (templates): the signature is checked over the raw bytes for every Content-Type', async () => {
	// From typeVersion 2 n8n reads only bodies it can parse; the node reads the rest itself.
	const contentTypes = [undefined, 'text/plain', 'application/octet-stream', 'application/JSON', 'application/json; charset=utf-8'];
	for (const [key, typeVersion] of [['vendors-synchub-v1.workflow.json', 1], ['synchub-failed-sync-alert.json', 2]]) {
		const wf = workflow(key);
		const nodes = (await n8n.api(`/workflows/${wf.id}`)).nodes;
		assert.equal(nodes.find((n) => n.name === 'SYNCHUB Trigger').typeVersion, typeVersion);
		const before = await executionIds(wf.id);
		for (const [i, contentType] of contentTypes.entries()) {
			const { body, headers } = synchubDelivery(failedSyncRun(`run-e2e-v${typeVersion}-${i}`));
			delete headers['content-type'];
			if (contentType) headers['content-type'] = contentType;
			// A Buffer body makes fetch send no Content-Type of its own.
			assertAccepted(await postWebhook(triggerUrl(key), { body: Buffer.from(body), headers }));
		}
		const executions = await newExecutions(wf.id, before, { count: contentTypes.length });
		const runIds = executions.map((e) => nodeItems(e, 'SYNCHUB Trigger')[0]);
		assert.ok(runIds.every((item) => item.meta.verified === true));
		assert.deepEqual(runIds.map((item) => item.runId).sort(), contentTypes.map((_, i) => `run-e2e-v${typeVersion}-${i}`).sort());
	}
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 2. invalid deliveries → 4xx + {error, message}, and no execution (rejectedWithoutExecution:
// vendor-helpers.js)

t.test('SYNCHUB: a tampered body → 401 bad_signature, no execution', async () => {
	const url = triggerUrl('synchub-failed-sync-alert.json');
	const signed = synchubDelivery(failedSyncRun('run-e2e-tampered'));
	const tampered = { ...signed, body: signed.body.replace('"failed"', '"failed" ') };
	assert.notEqual(tampered.body, signed.body);
	const missing = { body: signed.body, headers: { 'content-type': 'application/json' } };
	await rejectedWithoutExecution(
		'synchub-failed-sync-alert.json',
		[
			{ send: () => postWebhook(url, tampered), check: (res) => assertRejected(res, 401, 'bad_signature') },
			{ send: () => postWebhook(url, missing), check: (res) => assertRejected(res, 401, 'missing_header') },
		],
		() => postWebhook(url, synchubDelivery(failedSyncRun('run-e2e-after-tampered'))),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-after-tampered',
	);
}, CASE_TIMEOUT);

t.test('SYNCHUB typeVersion 2: a multipart body (consumed by n8n, no raw bytes) → 400 bad_payload, no execution', async () => {
	const url = triggerUrl('synchub-failed-sync-alert.json');
	const form = new FormData();
	form.append('payload', JSON.stringify(failedSyncRun('run-e2e-multipart')));
	await rejectedWithoutExecution(
		'synchub-failed-sync-alert.json',
		[{ send: () => postWebhook(url, { body: form, headers: { 'x-synchub-signature': 'ab'.repeat(32) } }), check: (res) => assertRejected(res, 400, 'bad_payload') }],
		() => postWebhook(url, synchubDelivery(failedSyncRun('run-e2e-after-multipart'))),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-after-multipart',
	);
}, CASE_TIMEOUT);

t.test('SYNCHUB Standard Webhooks fixture: webhook-timestamp 10 min old → 401 stale_timestamp, no execution', async () => {
	const url = triggerUrl('vendors-synchub-standard-webhooks.workflow.json');
	const delivery = (runId, timestamp) => {
		const body = JSON.stringify({ event: 'sync_run.completed', runId, status: 'succeeded' });
		return { body, headers: { 'content-type': 'application/json', ...signStandardWebhook({ secret: STD_WH_SECRET, body: Buffer.from(body), timestamp }) } };
	};
	const execution = await rejectedWithoutExecution(
		'vendors-synchub-standard-webhooks.workflow.json',
		[{ send: () => postWebhook(url, delivery('run-e2e-stale', nowSec() - 600)), check: (res) => assertRejected(res, 401, 'stale_timestamp') }],
		() => postWebhook(url, delivery('run-e2e-fresh', nowSec())),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-fresh',
	);
	const [item] = nodeItems(execution, 'SYNCHUB Trigger');
	assert.equal(item.meta.verified, true);
	assert.equal(item.meta.verification.method, 'standardWebhooks');
}, CASE_TIMEOUT);

t.test('SYNCHUB timestamp.body fixture: x-synchub-timestamp 10 min old → 401 stale_timestamp, no execution', async () => {
	const url = triggerUrl('vendors-synchub-timestamped.workflow.json');
	const delivery = (runId, ts) => {
		const body = JSON.stringify({ event: 'sync_run.completed', runId, status: 'failed' });
		return {
			body,
			headers: { 'content-type': 'application/json', 'x-synchub-timestamp': String(ts), 'x-synchub-signature': hmacHex(SYNCHUB_SECRET, `${ts}.${body}`) },
		};
	};
	await rejectedWithoutExecution(
		'vendors-synchub-timestamped.workflow.json',
		[{ send: () => postWebhook(url, delivery('run-e2e-stale', nowSec() - 600)), check: (res) => assertRejected(res, 401, 'stale_timestamp') }],
		() => postWebhook(url, delivery('run-e2e-fresh', nowSec())),
		(e) => nodeItems(e, 'SYNCHUB Trigger')[0].runId === 'run-e2e-fresh' && nodeItems(e, 'SYNCHUB Trigger')[0].meta.verified === true,
	);
}, CASE_TIMEOUT);

t.test('Event Webhook: a wrong API key → 401 bad_api_key, no execution', async () => {
	const url = triggerUrl('event-webhook-router.json');
	await rejectedWithoutExecution(
		'event-webhook-router.json',
		[
			{ send: () => postWebhook(url, eventWebhookDelivery(genericEvent('user.created', { id: 'wrong-key' }), 'not-the-key')), check: (res) => assertRejected(res, 401, 'bad_api_key') },
			{
				send: () => postWebhook(url, { body: JSON.stringify(genericEvent('user.created', { id: 'wrong-bearer' })), headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-key' } }),
				check: (res) => assertRejected(res, 401, 'bad_api_key'),
			},
		],
		() => postWebhook(url, eventWebhookDelivery(genericEvent('user.created', { id: 'right-key' }))),
		(e) => nodeItems(e, 'Event Webhook Trigger')[0].data.id === 'right-key',
	);
}, CASE_TIMEOUT);

t.test('SynthesisVR: a malformed body → 400 bad_payload (text/plain) / n8n 4xx (application/json), no execution', async () => {
	const url = synthesisVrUrl();
	const truncated = '[{"uuid":';
	await rejectedWithoutExecution(
		'synthesisvr-sessions.json',
		[
			{
				// The node parses the raw bytes whatever the content type says.
				send: () => postWebhook(url, { body: truncated, headers: { 'content-type': 'text/plain' } }),
				check: (res) => assert.equal(assertRejected(res, 400, 'bad_payload').message, 'The body is not valid JSON'),
			},
			{
				// n8n parses application/json itself and answers before the node runs.
				send: () => postWebhook(url, { body: truncated, headers: { 'content-type': 'application/json' } }),
				check: (res) => {
					timings.malformedJsonStatus = res.status;
					assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`);
				},
			},
			{
				send: () => postWebhook(url, json([svrSession('a'), { ...svrSession('b', 'delete'), uuid: undefined }])),
				check: (res) => assert.equal(assertRejected(res, 400, 'bad_payload').message, '[1].uuid: required'),
			},
		],
		// The valid follow-up goes as text/plain too: accepted, since the raw bytes are JSON.
		() => postWebhook(url, { body: JSON.stringify([svrSession('after-malformed')]), headers: { 'content-type': 'text/plain' } }),
		(e) => nodeItems(e, 'SynthesisVR Trigger')[0].uuid === 'after-malformed',
	);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 2b. hostile input: limits, encodings and keys are answered 4xx before any execution starts

t.test('Event Webhook: over 1 MiB → 413; 5,000 levels deep, invalid UTF-8, __proto__ → 400; no execution', async () => {
	const url = triggerUrl('event-webhook-router.json');
	const key = eventWebhookDelivery(genericEvent('x', {})).headers;
	const raw = (body) => () => postWebhook(url, { body, headers: key });
	const event = (data) => JSON.stringify(genericEvent('user.created', data));
	const invalidUtf8 = Buffer.concat([Buffer.from(event({ note: 'X' }).replace('"X"', '"')), Buffer.from([0xc0, 0xaf]), Buffer.from('"}}')]);
	assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(invalidUtf8));
	await rejectedWithoutExecution(
		'event-webhook-router.json',
		[
			{ send: raw(event({ filler: 'x'.repeat(1024 * 1024) })), check: (res) => assertRejected(res, 413, 'payload_too_large') },
			// Built as text: serialising 5,000 levels would overflow this test's own stack.
			{ send: raw(event({ deep: 'X' }).replace('"X"', `${'['.repeat(5000)}${']'.repeat(5000)}`)), check: (res) => assertRejected(res, 400, 'bad_payload') },
			// n8n's own JSON parser would decode this lossily (U+FFFD); the node reads the bytes.
			{ send: raw(invalidUtf8), check: (res) => assert.equal(assertRejected(res, 400, 'bad_payload').message, 'The body is not valid UTF-8') },
			{ send: raw(event({ order: 1 }).replace('{', '{"__proto__":{"isAdmin":true},')), check: (res) => assertRejected(res, 400, 'bad_payload') },
			{ send: raw(JSON.stringify({ event_time: 1, event_type: 'user.created', data: {} })), check: (res) => assert.equal(assertRejected(res, 400, 'bad_payload').message, 'current_context: required') },
		],
		() => postWebhook(url, eventWebhookDelivery(genericEvent('user.created', { id: 'after-hostile' }))),
		(e) => nodeItems(e, 'Event Webhook Trigger')[0].data.id === 'after-hostile',
	);
}, CASE_TIMEOUT);

t.test('SynthesisVR: 501 events in one POST → 413 (default limit 500), no execution', async () => {
	const url = synthesisVrUrl();
	await rejectedWithoutExecution(
		'synthesisvr-sessions.json',
		[{ send: () => postWebhook(url, json(Array.from({ length: 501 }, (_, i) => svrSession(`many-${i}`)))), check: (res) => assertRejected(res, 413, 'payload_too_large') }],
		() => postWebhook(url, json([svrSession('after-many')])),
		(e) => nodeItems(e, 'SynthesisVR Trigger')[0].uuid === 'after-many',
	);
}, CASE_TIMEOUT);

t.test('SYNCHUB Standard Webhooks fixture: a replayed delivery → 200 duplicate, one execution; meta.dedupKey is webhook-id', async () => {
	const key = 'vendors-synchub-standard-webhooks.workflow.json';
	const wf = workflow(key);
	const body = JSON.stringify({ event: 'sync_run.completed', runId: 'run-e2e-replay', status: 'succeeded' });
	const delivery = { body, headers: { 'content-type': 'application/json', ...signStandardWebhook({ secret: STD_WH_SECRET, body: Buffer.from(body), timestamp: nowSec(), id: 'msg_e2e_replay' }) } };
	const before = await executionIds(wf.id);
	assertAccepted(await postWebhook(triggerUrl(key), delivery));
	const [execution] = await newExecutions(wf.id, before);
	assert.equal(nodeItems(execution, 'SYNCHUB Trigger')[0].meta.dedupKey, 'msg_e2e_replay');
	for (let i = 0; i < 3; i++) {
		const again = await postWebhook(triggerUrl(key), delivery);
		assert.equal(again.status, 200, again.text);
		assert.deepEqual(JSON.parse(again.text), { received: true, duplicate: true, accepted: 0, ignored: 0 });
	}
	assert.deepEqual([...(await executionIds(wf.id))].filter((id) => !before.has(id)), [execution.id]);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 3. Roomle "email as fallback": a failing workflow answers non-2xx

t.test('Roomle template: valid token, no data.email → Stop and Error fails the workflow → answer ≥ 300', async () => {
	const wf = workflow('roomle-share-email.json');
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl('roomle-share-email.json'), {
		body: JSON.stringify(roomleEvent({})),
		headers: { 'content-type': 'application/json', token: roomleToken() },
	});
	timings.roomleFallbackStatus = res.status;
	assert.ok(res.status >= 300, `Roomle must see a failure to send its own email: ${res.status} ${res.text}`);
	assert.equal(res.status, 500, res.text);

	const [execution] = await newExecutions(wf.id, before);
	assert.equal(execution.status, 'error');
	assert.equal(execution.data.resultData.lastNodeExecuted, 'Let Roomle send it');
	assert.match(execution.data.resultData.error.message, /No email address/);
	assert.equal(nodeItems(execution, 'Roomle Trigger')[0].meta.verified, true);
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 4. SynthesisVR: acknowledged within its 2 s budget while the workflow runs on for 5 s

t.test('SynthesisVR slow fixture: answer < 2000 ms, workflow runs ≥ 5 s', async () => {
	const wf = workflow('vendors-synthesisvr-slow.workflow.json');
	const url = triggerUrl('vendors-synthesisvr-slow.workflow.json');
	const before = await executionIds(wf.id);
	// A plain fetch (no 404 retries inside the measurement): the workflow is long active by now.
	const t0 = performance.now();
	const answer = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify([svrSession('slow-1')]),
		signal: AbortSignal.timeout(10000),
	});
	const res = { status: answer.status, text: await answer.text() };
	const ackMs = performance.now() - t0;
	const answeredAt = Date.now();
	timings.synthesisVrAckMs = Math.round(ackMs);
	assertAccepted(res);
	assert.ok(ackMs < 2000, `SynthesisVR waits 2 s: answered after ${ackMs.toFixed(0)} ms`);

	const [execution] = await newExecutions(wf.id, before, { timeoutMs: 30000 });
	assert.equal(execution.status, 'success');
	const durationMs = Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
	timings.synthesisVrWorkflowMs = durationMs;
	assert.ok(durationMs >= 5000, `workflow ran ${durationMs} ms`);
	assert.ok(Date.parse(execution.stoppedAt) > answeredAt, 'the answer came before the workflow finished');
	assert.equal(nodeItems(execution, 'No Operation')[0].uuid, 'slow-1');
}, CASE_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// 5. Send Webhook → another workflow's trigger in this n8n, for every signing scheme

for (const c of SEND_CASES) {
	t.test(`Send Webhook (${c.scheme}) → ${c.trigger} of another workflow: delivered, signature verified`, () => h.runSendCase(c), CASE_TIMEOUT);
}
