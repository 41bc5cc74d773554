'use strict';
// The two templates for repeated and lost deliveries, on a real single-instance n8n:
// - templates/dedup-redelivery.json: the same event delivered twice starts two executions, but
//   the node after *Remove Duplicates* sees it once; another event passes.
// - templates/recover-failed-deliveries.json: an execution of a package trigger that failed
//   (a node error) or crashed (kill -9 of n8n) is retried through n8n's public API with its
//   original trigger items, exactly once however often the recovery runs, and two runs never
//   overlap; failed executions of other workflows are left alone.
// The "downstream service" the flaky fixture calls is a loopback server of this test (`probe`):
// it fails, answers or holds the request as the test says, so every run is deterministic.
// The recovery runs through its "Run now" trigger (its schedule ships switched off).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { startE2E, postWebhook, freePortPair, e2eTest } = require('./harness');
const rt = require('../../scripts/n8n-runtime');
const { vendorHelpers, dedupRedelivery, TEMPLATES, FIXTURES, credentials: vendorCredentials, nodeItems, assertAccepted, json, genericEvent, eventWebhookDelivery } = require('./vendor-helpers');

const t = e2eTest();
// n8n 1.x's public API lists no failed executions to the recovery template (seen on 1.123.81:
// every run checks 0): the template needs n8n 2.x, and its retry cases are skipped on 1.x.
const ON_N8N_1 = Number((process.env.N8N_VERSION || '2').split('.')[0]) < 2;
const recoveryTest = (name, fn, timeout) => (ON_N8N_1 ? require('node:test').test(name, { skip: 'the recovery template needs n8n 2.x' }, fn) : t.test(name, fn, timeout));
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)
const CASE_TIMEOUT = 60000;
const DEDUP = 'dedup-redelivery.json';
const RECOVERY = 'recover-failed-deliveries.json';
const FLAKY = 'recovery-flaky.workflow.json';
const FOREIGN = 'recovery-foreign.workflow.json';
const N8N_API_CREDENTIAL = 'vwhN8nApi0000001';
const RETRY_SCOPES = ['execution:list', 'execution:read', 'execution:retry'];

let n8n;
let tmp;
let restarted; // startN8n handle of the n8n restarted after kill -9
process.on('exit', () => {
	try {
		if (restarted) process.kill(-restarted.pid, 'SIGKILL');
	} catch {}
});
const h = vendorHelpers(() => n8n);
const { workflow, triggerUrl, executionIds, newExecutions, listExecutions } = h;

/**
 * The downstream service of the flaky fixture: `mode` 'fail' answers 503, 'ok' 200, 'hang' holds
 * the request until `release()`.
 */
const probe = {
	mode: 'fail',
	calls: [],
	pending: [],
	server: null,
	url: '',
	release(status = 200) {
		for (const res of this.pending.splice(0)) res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
	},
};

t.before(async () => {
	probe.server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			const call = { mode: probe.mode, body: JSON.parse(body || 'null') };
			probe.calls.push(call);
			if (probe.mode === 'hang') return void probe.pending.push(res);
			const status = probe.mode === 'ok' ? 200 : 503;
			res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status === 200 }));
		});
	});
	await new Promise((resolve) => probe.server.listen(0, '127.0.0.1', resolve));
	probe.url = `http://127.0.0.1:${probe.server.address().port}/downstream`;

	// The template calls the API of `npm start` (localhost:5678); here, this n8n's, as a user edits it.
	const port = await freePortPair();
	tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'n8n-e2e-recovery-'));
	const text = fs.readFileSync(path.join(TEMPLATES, RECOVERY), 'utf8');
	const patched = text.replaceAll('http://localhost:5678/api/v1', `http://127.0.0.1:${port}/api/v1`);
	assert.notEqual(patched, text, `${RECOVERY} no longer calls http://localhost:5678/api/v1`);
	await fsp.writeFile(path.join(tmp, RECOVERY), patched);

	const credentials = [...vendorCredentials, ...JSON.parse(fs.readFileSync(path.join(FIXTURES, 'recovery-credentials.json'), 'utf8'))];
	// Single instance on purpose: one process to kill -9, and the API on the same port.
	n8n = await startE2E({
		mode: 'single',
		port,
		workflows: [path.join(TEMPLATES, DEDUP), path.join(tmp, RECOVERY), path.join(FIXTURES, FLAKY), path.join(FIXTURES, FOREIGN)],
		credentials,
	});

	// What the template's setup note asks of a user: an API key that may retry, in the n8n API credential.
	// n8n 1.x allows one key per user (the harness already made it), without scopes: use it there.
	const apiKey = ON_N8N_1
		? n8n.apiKey
		: (await n8n.api('/rest/api-keys', { method: 'POST', body: { label: 'recover failed deliveries', scopes: RETRY_SCOPES, expiresAt: null } })).data.rawApiKey;
	assert.ok(apiKey, 'no API key for the n8n API credential');
	await rt.setCredentialData(n8n.api, N8N_API_CREDENTIAL, { apiKey, baseUrl: `${n8n.baseUrl}/api/v1` });
}, COLD_TIMEOUT);

t.after(async () => {
	// The n8n started again after the kill -9 test: the harness only knows the first one.
	if (restarted) await restarted.stop();
	if (n8n) await n8n.stop();
	if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
	probe.release(503);
	if (probe.server) await new Promise((resolve) => probe.server.close(resolve));
}, 60000);

/** POSTs the recovery's "Run now" event and returns the Summary of the run it started. */
async function runRecovery(data = {}) {
	const wf = workflow(RECOVERY);
	const before = await executionIds(wf.id);
	const res = await postWebhook(triggerUrl(RECOVERY), eventWebhookDelivery(genericEvent('recovery.run', data)));
	assertAccepted(res);
	const [execution] = await newExecutions(wf.id, before, { timeoutMs: 30000 });
	assert.equal(execution.status, 'success', JSON.stringify(execution.data?.resultData?.error ?? null));
	const [summary] = nodeItems(execution, 'Summary');
	return summary;
}

const byId = (id) => n8n.api(`/executions/${id}?includeData=true`);

// ---------------------------------------------------------------------------------------------

t.test('templates: the schedule ships off, Run now and the n8n API credential are wired', async () => {
	const tpl = JSON.parse(fs.readFileSync(path.join(TEMPLATES, RECOVERY), 'utf8'));
	const node = (name) => tpl.nodes.find((n) => n.name === name);
	assert.equal(node('Every 5 minutes').disabled, true);
	assert.equal(node('Run now').type, 'n8n-nodes-vendor-webhooks.eventWebhookTrigger');
	for (const name of ['List executions', 'Retry with original data']) {
		assert.deepEqual(node(name).credentials, { n8nApi: { id: N8N_API_CREDENTIAL, name: 'n8n API' } });
	}
	assert.match(node('Retry with original data').parameters.jsonBody, /"loadWorkflow": false/);
	for (const f of [DEDUP, RECOVERY]) assert.ok(workflow(f).webhookUrls.length === 1, f);
	const { data } = await n8n.api('/workflows?limit=250');
	const active = new Set(data.filter((w) => w.active).map((w) => w.id));
	for (const wf of n8n.workflows) assert.ok(active.has(wf.id), `${wf.name} is not active`);
}, CASE_TIMEOUT);

t.test('dedup template: the same event twice → two executions, the summary sees it once; another event passes', async () => {
	await dedupRedelivery(h, triggerUrl(DEDUP), { postWebhook });
}, CASE_TIMEOUT);

recoveryTest('recovery template: a failed delivery is retried once with its original items; other workflows are left alone', async () => {
	const flaky = workflow(FLAKY);
	const foreign = workflow(FOREIGN);

	// 1. The downstream service is down: both workflows' executions fail.
	probe.mode = 'fail';
	let before = await executionIds(flaky.id);
	assertAccepted(await postWebhook(triggerUrl(FLAKY), eventWebhookDelivery(genericEvent('order.paid', { orderId: 'rec-1', probeUrl: probe.url }))));
	const [failed] = await newExecutions(flaky.id, before);
	assert.equal(failed.status, 'error');
	assert.equal(failed.data.resultData.lastNodeExecuted, 'Downstream service');
	const originalItems = nodeItems(failed, 'Event Webhook Trigger');

	before = await executionIds(foreign.id);
	const res = await postWebhook(n8n.webhookUrl('e2e-recovery-foreign'), json({ orderId: 'foreign-1', probeUrl: probe.url }));
	assert.equal(res.status, 200, res.text);
	const [foreignFailed] = await newExecutions(foreign.id, before);
	assert.equal(foreignFailed.status, 'error');
	assert.deepEqual(probe.calls.map((c) => c.mode), ['fail', 'fail']);

	// 2. Dry runs retry nothing: with a look-back shorter than the failures' age, nothing
	//    qualifies; with the default one, exactly the package trigger's execution would be retried.
	const tooShort = await runRecovery({ dryRun: true, maxAgeMinutes: 1 / 600 }); // 0.1 s
	assert.deepEqual(tooShort.wouldRetry, []);
	assert.ok(tooShort.skipped.tooOld >= 2, JSON.stringify(tooShort));
	const dry = await runRecovery({ dryRun: true });
	assert.equal(dry.dryRun, true);
	assert.deepEqual(dry.wouldRetry.map((r) => [r.executionId, r.trigger, r.attempt]), [[failed.id, 'Event Webhook Trigger', 1]]);
	assert.ok(dry.skipped.notOurTrigger >= 1, JSON.stringify(dry));
	assert.deepEqual([dry.retried, dry.failedAgain, dry.lost], [[], [], []]);
	assert.equal(probe.calls.length, 2, 'a dry run called the downstream service');

	// 3. The service is back: the recovery retries the failed execution, and only it.
	probe.mode = 'ok';
	before = await executionIds(flaky.id);
	const summary = await runRecovery();
	assert.deepEqual(summary.failedAgain, [], JSON.stringify(summary));
	assert.equal(summary.retried.length, 1, JSON.stringify(summary));
	const [done] = summary.retried;
	assert.equal(done.executionId, failed.id);
	assert.equal(done.retryStatus, 'success');

	const [retry] = await newExecutions(flaky.id, before);
	assert.equal(retry.id, done.retryExecutionId);
	const stored = await byId(retry.id);
	assert.equal(stored.status, 'success');
	assert.equal(stored.mode, 'retry');
	assert.equal(stored.retryOf, failed.id);
	// The original data: the same trigger items, and the downstream call made with them.
	assert.deepEqual(nodeItems(stored, 'Event Webhook Trigger'), originalItems);
	assert.deepEqual(nodeItems(stored, 'Done'), [{ orderId: 'rec-1' }]);
	assert.deepEqual(probe.calls.slice(2), [{ mode: 'ok', body: { dedupKey: originalItems[0].meta.dedupKey, orderId: 'rec-1' } }]);
	assert.equal((await byId(failed.id)).retrySuccessId, retry.id);

	// The other workflow's failure: untouched, no retry of it anywhere.
	assert.equal((await byId(foreignFailed.id)).status, 'error');
	assert.equal((await byId(foreignFailed.id)).retrySuccessId, null);
	const { data: all } = await n8n.api('/executions?limit=250');
	assert.deepEqual(all.filter((e) => e.retryOf === foreignFailed.id), []);
	assert.deepEqual(all.filter((e) => e.retryOf === failed.id).map((e) => e.id), [retry.id]);

	// 4. Running the recovery again retries nothing new.
	const flakyBefore = await executionIds(flaky.id);
	const foreignBefore = await executionIds(foreign.id);
	const again = await runRecovery();
	assert.deepEqual([again.retried, again.failedAgain, again.lost], [[], [], []], JSON.stringify(again));
	assert.ok(again.skipped.alreadyRetried >= 1, JSON.stringify(again));
	assert.deepEqual(await executionIds(flaky.id), flakyBefore);
	assert.deepEqual(await executionIds(foreign.id), foreignBefore);
	assert.equal(probe.calls.length, 3);
	assert.deepEqual((await listExecutions(flaky.id)).map((e) => e.status).sort(), ['error', 'success']);
}, 2 * CASE_TIMEOUT);

recoveryTest('recovery template: an execution cut by kill -9 of n8n ends crashed and is retried from its trigger items; runs never overlap', async () => {
	const flaky = workflow(FLAKY);
	const recovery = workflow(RECOVERY);

	// 1. kill -9 n8n while the execution waits for the downstream service; start it again.
	probe.mode = 'hang';
	const before = await executionIds(flaky.id);
	assertAccepted(await postWebhook(triggerUrl(FLAKY), eventWebhookDelivery(genericEvent('order.paid', { orderId: 'crash-1', probeUrl: probe.url }))));
	await rt.poll(() => probe.pending.length === 1, { timeoutMs: 10000, what: 'the execution to call the downstream service' });
	process.kill(-n8n.pid, 'SIGKILL');
	await rt.poll(() => !rt.pidAlive(n8n.pid), { timeoutMs: 10000, intervalMs: 50, what: `n8n (pid ${n8n.pid}) to exit` });
	probe.release(503); // the connection of the killed n8n
	restarted = await rt.startN8n({ userFolder: n8n.userFolder, port: n8n.port, n8n: await rt.ensureN8n(n8n.n8nVersion) });
	const [crashed] = await newExecutions(flaky.id, before);
	assert.equal(crashed.status, 'crashed');
	// n8n rebuilt the run data from its event log (placeholder items); the trigger's items are
	// still on the execution stack, where the execution would have gone on from.
	assert.deepEqual(nodeItems(crashed, 'Event Webhook Trigger'), [{ isArtificialRecoveredEventItem: true }]);
	const [waiting] = crashed.data.executionData.nodeExecutionStack;
	assert.equal(waiting.node.name, 'Event Webhook Trigger');
	const originalItems = waiting.data.main[0].map((i) => i.json);
	assert.equal(originalItems[0].data.orderId, 'crash-1');

	// 2. Run A retries it; while the retry waits for the downstream service, run B starts, sees
	//    A still going and retries nothing.
	const recoveryBefore = await executionIds(recovery.id);
	assertAccepted(await postWebhook(triggerUrl(RECOVERY), eventWebhookDelivery(genericEvent('recovery.run', {}))));
	await rt.poll(() => probe.pending.length === 1, { timeoutMs: 20000, what: 'the retry to call the downstream service' });
	const { data: running } = await n8n.api(`/executions?workflowId=${recovery.id}&status=running`);
	const runA = running.find((e) => !recoveryBefore.has(e.id));
	assert.ok(runA, JSON.stringify(running));
	const runB = await runRecovery();
	assert.deepEqual(runB.deferredTo, [runA.id], JSON.stringify(runB));
	assert.deepEqual([runB.retried, runB.failedAgain], [[], []]);

	// 3. The service answers: A's retry succeeds with the original trigger items.
	probe.mode = 'ok';
	probe.release(200);
	const finishedA = await rt.poll(async () => {
		const e = await byId(runA.id);
		return e.status !== 'running' && e.status !== 'new' && e;
	}, { timeoutMs: 20000, what: `recovery run ${runA.id} to finish` });
	assert.equal(finishedA.status, 'success', JSON.stringify(finishedA.data?.resultData?.error ?? null));
	const [summaryA] = nodeItems(finishedA, 'Summary');
	assert.deepEqual(summaryA.deferredTo, []);
	assert.deepEqual(summaryA.retried.map((r) => [r.executionId, r.status, r.retryStatus]), [[crashed.id, 'crashed', 'success']], JSON.stringify(summaryA));

	const { data: all } = await n8n.api('/executions?limit=250');
	const retries = all.filter((e) => e.retryOf === crashed.id);
	assert.deepEqual(retries.map((e) => e.id), [summaryA.retried[0].retryExecutionId]);
	const retry = await byId(retries[0].id);
	assert.equal(retry.status, 'success');
	// The retry went on from the stack: the trigger ran again, with the original items.
	const triggerRuns = retry.data.resultData.runData['Event Webhook Trigger'];
	assert.deepEqual(triggerRuns.at(-1).data.main[0].map((i) => i.json), originalItems);
	assert.deepEqual(nodeItems(retry, 'Done'), [{ orderId: 'crash-1' }]);
	const crashCalls = probe.calls.filter((c) => c.body?.orderId === 'crash-1');
	assert.deepEqual(crashCalls.map((c) => c.mode), ['hang', 'hang'], 'the first run and the one retry, nothing more');

	// 4. And once more: nothing new to retry.
	const again = await runRecovery();
	assert.deepEqual([again.retried, again.failedAgain, again.lost, again.deferredTo], [[], [], [], []], JSON.stringify(again));
	assert.equal(probe.calls.filter((c) => c.body?.orderId === 'crash-1').length, 2);
}, 2 * CASE_TIMEOUT);

recoveryTest('recovery template: a retry that fails again is retried until maxRetriesPerDelivery (2), then given up', async () => {
	const flaky = workflow(FLAKY);
	probe.mode = 'fail';
	const before = await executionIds(flaky.id);
	assertAccepted(await postWebhook(triggerUrl(FLAKY), eventWebhookDelivery(genericEvent('order.paid', { orderId: 'give-up-1', probeUrl: probe.url }))));
	const [failed] = await newExecutions(flaky.id, before);
	assert.equal(failed.status, 'error');

	// Each run retries the newest failure of the chain once: the original, then its retry.
	let id = failed.id;
	for (const attempt of [1, 2]) {
		const run = await runRecovery();
		assert.deepEqual(run.retried, [], JSON.stringify(run));
		assert.deepEqual(run.failedAgain.map((r) => [r.executionId, r.attempt, r.retryStatus]), [[id, attempt, 'error']], JSON.stringify(run));
		const retry = await byId(run.failedAgain[0].retryExecutionId);
		assert.equal(retry.retryOf, id);
		id = retry.id;
	}
	const idsBefore = await executionIds(flaky.id);
	const last = await runRecovery();
	assert.deepEqual([last.retried, last.failedAgain], [[], []], JSON.stringify(last));
	assert.deepEqual(last.gaveUp.map((r) => [r.executionId, r.retries]), [[id, 2]]);
	assert.deepEqual(await executionIds(flaky.id), idsBefore);
	assert.deepEqual(probe.calls.filter((c) => c.body?.orderId === 'give-up-1').map((c) => c.mode), ['fail', 'fail', 'fail']);
}, CASE_TIMEOUT);
