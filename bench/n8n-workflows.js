'use strict';
/**
 * Workflows and credentials of `npm run bench:n8n`, written to a temp folder for one run: every
 * trigger (built-in Webhook v2.1 and this package's, typeVersion 2) answers at once and hands its
 * items to the same Set node (one expression, as real workflows have), or to a Wait of 5 s.
 */
const crypto = require('node:crypto');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

const PKG = 'n8n-nodes-vendor-webhooks';

/** Workflow ids by scenario key (16 characters, as n8n's). */
const ids = {
	builtinNone: 'benchBuiltinNone',
	builtinHeader: 'benchBuiltinHead',
	synthesisVr: 'benchSynthesisVr',
	synchub: 'benchSynchub0000',
	apiRtc: 'benchApiRtc00000',
	roomle: 'benchRoomle00000',
	eventWebhook: 'benchEventHook00',
	eventWebhookNone: 'benchEventHookNo',
	builtinWait: 'benchBuiltinWait',
	synthesisVrWait: 'benchSvrWait0000',
};

const uuid = (seed) => {
	const h = crypto.createHash('sha256').update(seed).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function setNode(key) {
	return {
		id: uuid(`${key}:set`),
		name: 'Set',
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: [220, 0],
		parameters: {
			assignments: { assignments: [{ id: uuid(`${key}:a`), name: 'fields', value: '={{ Object.keys($json).length }}', type: 'number' }] },
			options: {},
		},
	};
}

function waitNode(key) {
	return {
		id: uuid(`${key}:wait`),
		name: 'Wait',
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		position: [220, 0],
		webhookId: uuid(`${key}:wait-hook`),
		parameters: { resume: 'timeInterval', amount: 5, unit: 'seconds' },
	};
}

function workflow(key, trigger, next = setNode(key)) {
	const triggerNode = { id: uuid(`${key}:trigger`), name: 'Trigger', position: [0, 0], webhookId: uuid(`${key}:hook`), ...trigger };
	return {
		id: ids[key],
		name: `bench: ${key}`,
		nodes: [triggerNode, next],
		connections: { Trigger: { main: [[{ node: next.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		active: false,
	};
}

const cred = (type, id) => ({ [type]: { id, name: id } });

function builtin(key, auth) {
	return {
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		parameters: { httpMethod: 'POST', path: `bench-${key}`, responseMode: 'onReceived', options: {}, ...(auth ? { authentication: 'headerAuth' } : {}) },
		...(auth ? { credentials: cred('httpHeaderAuth', 'benchHeaderAuth0') } : {}),
	};
}

const ours = (name, parameters, credentials) => ({ type: `${PKG}.${name}`, typeVersion: Number(process.env.BENCH_TRIGGER_VERSION || 2), parameters: { ...parameters, options: {} }, ...(credentials ? { credentials } : {}) });

function workflows() {
	const svr = ours('synthesisVrTrigger', { authentication: 'token' }, cred('synthesisVrWebhookApi', 'benchSynthesisVr'));
	return [
		workflow('builtinNone', builtin('builtinNone', false)),
		workflow('builtinHeader', builtin('builtinHeader', true)),
		workflow('synthesisVr', svr),
		workflow('synchub', ours('synchubTrigger', {}, cred('synchubWebhookApi', 'benchSynchub0000'))),
		workflow('apiRtc', ours('apiRtcTrigger', {}, cred('apiRtcWebhookApi', 'benchApiRtc00000'))),
		workflow('roomle', ours('roomleTrigger', { respond: 'onReceived' }, cred('roomleWebhookApi', 'benchRoomle00000'))),
		workflow('eventWebhook', ours('eventWebhookTrigger', {}, cred('eventWebhookApi', 'benchEventHook00'))),
		workflow('eventWebhookNone', ours('eventWebhookTrigger', { authentication: 'none' })),
		workflow('builtinWait', builtin('builtinWait', true), waitNode('builtinWait')),
		workflow('synthesisVrWait', svr, waitNode('synthesisVrWait')),
	];
}

/** Random secrets for one run, and the n8n credentials that hold them. */
function credentials() {
	const secret = () => crypto.randomBytes(18).toString('base64url');
	const secrets = {
		header: { name: 'x-bench-token', value: secret() },
		synthesisVr: secret(),
		synchub: secret(),
		apiRtc: { headerName: 'X-Webhook-Secret', secret: secret() },
		// Roomle keys are AES keys: 16 characters for AES-128.
		roomle: { apiKey: 'benchApiKey', secret: crypto.randomBytes(8).toString('hex') },
		eventWebhook: secret(),
	};
	const list = [
		{ id: 'benchHeaderAuth0', type: 'httpHeaderAuth', data: { name: secrets.header.name, value: secrets.header.value } },
		{ id: 'benchSynthesisVr', type: 'synthesisVrWebhookApi', data: { token: secrets.synthesisVr } },
		{ id: 'benchSynchub0000', type: 'synchubWebhookApi', data: { secret: secrets.synchub } },
		{ id: 'benchApiRtc00000', type: 'apiRtcWebhookApi', data: secrets.apiRtc },
		{ id: 'benchRoomle00000', type: 'roomleWebhookApi', data: secrets.roomle },
		{ id: 'benchEventHook00', type: 'eventWebhookApi', data: { apiKey: secrets.eventWebhook } },
	].map((c) => ({ ...c, name: c.id }));
	return { secrets, list };
}

/** Writes the workflows (one file each) and a credentials file; returns their paths and secrets. */
async function writeBenchFiles() {
	const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-n8n-'));
	const workflowsDir = path.join(dir, 'workflows');
	await fsp.mkdir(workflowsDir);
	for (const w of workflows()) await fsp.writeFile(path.join(workflowsDir, `${w.id}.json`), JSON.stringify(w));
	const { secrets, list } = credentials();
	const credentialsFile = path.join(dir, 'credentials.json');
	await fsp.writeFile(credentialsFile, JSON.stringify(list), { mode: 0o600 });
	return { dir, workflowsDir, credentialsFile, secrets };
}

module.exports = { ids, uuid, writeBenchFiles };
