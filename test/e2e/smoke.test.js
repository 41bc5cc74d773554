'use strict';
// Proves the whole chain on a real n8n: package installed as a community package, workflow
// imported + activated, a real HTTP POST to its production webhook, the execution read back
// through the public API. Runs under `node --test test/e2e/`.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startE2E, postWebhook, e2eTest } = require('./harness');

const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)

const fixtures = path.join(__dirname, 'fixtures');
let n8n;

t.before(async () => {
	n8n = await startE2E({
		workflows: [path.join(fixtures, 'builtin-webhook.workflow.json'), path.join(fixtures, 'header-auth-webhook.workflow.json')],
		credentials: path.join(fixtures, 'credentials.json'),
	});
}, COLD_TIMEOUT);

t.after(async () => {
	if (n8n) await n8n.stop();
});

t.test('built-in Webhook: POST → execution visible through the public API', async () => {
	const wf = n8n.workflows.find((w) => w.id === 'e2eSmokeWebhook1');
	assert.deepEqual(wf.webhookUrls.map((u) => u.url), [`${n8n.webhookBaseUrl}/webhook/e2e-smoke`]);

	const res = await postWebhook(n8n.webhookUrl('e2e-smoke'), { body: JSON.stringify({ hello: 'e2e' }) });
	assert.equal(res.status, 200, res.text);

	const [execution] = await n8n.waitForExecutions({ workflowId: wf.id, count: 1 });
	assert.equal(execution.status, 'success');
	const [item] = execution.data.resultData.runData['No Operation'][0].data.main[0];
	assert.deepEqual(item.json.body, { hello: 'e2e' });
}, 60000);

t.test('imported credential (plain data) is usable by an active workflow', async () => {
	const url = n8n.webhookUrl('e2e-header-auth');
	const denied = await postWebhook(url, { body: '{}' });
	assert.equal(denied.status, 403, denied.text);
	const ok = await postWebhook(url, { body: '{}', headers: { 'content-type': 'application/json', 'x-e2e-token': 'e2e-secret' } });
	assert.equal(ok.status, 200, ok.text);
	const executions = await n8n.waitForExecutions({ workflowId: 'e2eSmokeHdrAuth1', count: 1 });
	assert.equal(executions.length, 1);
}, 60000);

t.test('this package is installed where n8n loads community packages', async () => {
	const pkg = require('../../package.json');
	const installed = path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', pkg.name, 'package.json');
	assert.equal(JSON.parse(fs.readFileSync(installed, 'utf8')).version, pkg.version);
	const log = fs.readFileSync(n8n.logFile, 'utf8');
	assert.doesNotMatch(log, /Unrecognized node type/);
	// Each declared node must be known to n8n as <package>.<name> once the nodes exist.
	const declared = pkg.n8n.nodes || [];
	if (!declared.length) return;
	const types = await n8n.api('/types/nodes.json');
	const ours = new Set(types.map((d) => d.name).filter((n) => n.startsWith(`${pkg.name}.`)));
	// n8n adds a `<name>Tool` variant for every node with usableAsTool.
	const nodes = [...ours].filter((n) => !(n.endsWith('Tool') && ours.has(n.slice(0, -4))));
	assert.equal(nodes.length, declared.length, `n8n knows ${JSON.stringify([...ours])}`);
}, 30000);
