'use strict';
// The published package, as a user gets it: a clean copy of the repository (tracked and new,
// not ignored files: no dist/, so a stale build cannot hide a missing build step) is packed with
// a plain `npm pack` (its .npmrc and package.json in force), as `npm publish` in
// .github/workflows/publish.yml does (prepack builds). The tarball is installed into a real n8n
// the way n8n's community-package installer does it (unpack, npm install --omit=dev on n8n's
// Node), with the templates it ships imported, and n8n running as in production
// (NODE_ENV=production). Then: n8n loaded every node and credential package.json declares, the
// templates activate, a delivery runs, the runtime dependencies install without engine warnings
// on Node 20 and Node 24, and n8n's own error answers carry no stack traces.

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startE2E, postWebhook, e2eTest } = require('./harness');
const vh = require('./vendor-helpers');
const rt = require('../../scripts/n8n-runtime');

const t = e2eTest();
const COLD_TIMEOUT = 15 * 60 * 1000; // first run installs Node 24 + n8n (~4 min)
const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

let work; // temp folder: copy/, pack/, unpacked/
let copy; // the clean copy of the repository
let tarball;
let entries; // [{path (without package/), size}]
let packMs;
let n8n;

function sh(cmd, args, opts = {}) {
	const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
	if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status ?? res.signal}\n${(res.stdout || '') + (res.stderr || '')}`.slice(-4000));
	return res.stdout;
}

/** What a fresh clone (plus uncommitted work) holds: git's tracked and unignored new files. */
function cleanCopy(dest) {
	const files = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT }).split('\0').filter(Boolean);
	let copied = 0;
	for (const rel of files) {
		const from = path.join(ROOT, rel);
		if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue; // deleted, or a submodule
		fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
		fs.copyFileSync(from, path.join(dest, rel));
		fs.chmodSync(path.join(dest, rel), fs.statSync(from).mode);
		copied++;
	}
	// The installed dev dependencies (tsc, gulp, n8n-workflow's types): `npm ci` would give the same.
	fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
	return copied;
}

/**
 * The environment without npm_config_ignore_scripts: npm exports the settings it runs with to
 * the scripts it starts, so `npm test --ignore-scripts` would otherwise reach the `npm pack` below,
 * which is meant to see what someone typing it in a fresh clone sees.
 */
function packEnv() {
	return Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_ignore_scripts'));
}

/** Entries of a .tgz: [{path, size}] without the leading package/. */
function tarEntries(file) {
	return sh('tar', ['-tzvf', file])
		.split('\n')
		.filter(Boolean)
		.map((line) => {
			const m = /^\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+package\/(.+)$/.exec(line);
			assert.ok(m, `unexpected tar line: ${line}`);
			return { path: m[2], size: Number(m[1]) };
		})
		.sort((a, b) => a.path.localeCompare(b.path));
}

/** `name` of each class exported by the given dist files of the clean copy (nodes or credentials). */
function declaredNames(files, kind) {
	return files.map((rel) => {
		const mod = require(path.join(copy, rel));
		const Cls = Object.values(mod).find((v) => typeof v === 'function');
		assert.ok(Cls, `${rel} exports no class`);
		const instance = new Cls();
		const name = kind === 'node' ? instance.description?.name : instance.name;
		assert.ok(name, `${rel}: no ${kind} name`);
		return name;
	});
}

t.before(async () => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-pack-'));
	copy = path.join(work, 'copy');
	const copied = cleanCopy(copy);
	assert.ok(copied > 50, `only ${copied} files copied`);
	assert.equal(fs.existsSync(path.join(copy, 'dist')), false, 'the clean copy must not have dist/');

	// Plain `npm pack`, as a user or the publish workflow runs it: prepack runs `npm run build`
	// (the project's .npmrc leaves lifecycle scripts on; package.json's allowScripts denies only
	// the dev dependencies' install scripts). Only the output folder is chosen.
	const env = packEnv();
	const ignoreScripts = sh('npm', ['config', 'get', 'ignore-scripts'], { cwd: copy, env }).trim();
	assert.equal(ignoreScripts, 'false', 'npm has ignore-scripts on here (the project .npmrc, ~/.npmrc or an npm_config_ variable): npm pack would skip prepack and ship no dist/');
	const packDir = path.join(work, 'pack');
	fs.mkdirSync(packDir);
	const t0 = Date.now();
	sh('npm', ['pack', '--pack-destination', packDir], { cwd: copy, env });
	packMs = Date.now() - t0;
	const tgz = fs.readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
	assert.deepEqual(tgz, [`${pkg.name}-${pkg.version}.tgz`]);
	tarball = path.join(packDir, tgz[0]);
	entries = tarEntries(tarball);

	const unpacked = path.join(work, 'unpacked');
	fs.mkdirSync(unpacked);
	sh('tar', ['-xzf', tarball, '-C', unpacked]);
	n8n = await startE2E({
		tarball,
		// The templates as shipped in the tarball.
		workflows: [path.join(unpacked, 'package', 'templates')],
		credentials: vh.credentialsFile,
		env: { NODE_ENV: 'production' },
	});
}, COLD_TIMEOUT);

t.after(async () => {
	if (n8n) await n8n.stop();
	if (work && process.env.N8N_E2E_KEEP !== '1') fs.rmSync(work, { recursive: true, force: true });
}, 60000);

t.test('npm pack of a clean copy builds, and ships dist/, the templates and the docs a user reads', async (ctx) => {
	const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
	const total = entries.reduce((s, e) => s + e.size, 0);
	ctx.diagnostic(`npm pack (with prepack build) took ${(packMs / 1000).toFixed(1)} s; ${entries.length} files, ${kb(total)} unpacked, ${kb(fs.statSync(tarball).size)} packed`);
	for (const e of entries) ctx.diagnostic(`${String(e.size).padStart(8)}  ${e.path}`);

	const paths = new Set(entries.map((e) => e.path));
	for (const f of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) assert.ok(paths.has(f), `${f} (package.json n8n section) is not in the tarball`);
	for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) assert.ok(paths.has(f), `${f} missing`);
	// Every template, every icon and codex file of the sources.
	const templates = fs.readdirSync(path.join(copy, 'templates')).filter((f) => f.endsWith('.json'));
	assert.ok(templates.length > 0);
	for (const f of templates) assert.ok(paths.has(`templates/${f}`), `templates/${f} missing`);
	const assets = sh('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'nodes', 'credentials'], { cwd: ROOT })
		.split('\n')
		.filter((f) => /\.(svg|png)$|\.node\.json$/.test(f) && fs.existsSync(path.join(ROOT, f)));
	assert.ok(assets.length > 0);
	for (const f of assets) assert.ok(paths.has(`dist/${f}`), `dist/${f} (icon or codex file) missing`);
	// Nothing that only serves development: sources, tests, scripts, screenshots, source maps.
	const unwanted = [...paths].filter((p) => /^(nodes|credentials|test|scripts|bench|docs|\.github|\.ci)\//.test(p) || /\.map$/.test(p) || (/\.ts$/.test(p) && !/\.d\.ts$/.test(p)));
	assert.deepEqual(unwanted, []);
	assert.ok(total < 2 * 1024 * 1024, `the package unpacks to ${kb(total)}`);
}, 30000);

t.test('n8n loads every node and credential that package.json declares', async () => {
	assert.equal(n8n.install.version, pkg.version);
	const nodeNames = declaredNames(pkg.n8n.nodes, 'node');
	const credentialNames = declaredNames(pkg.n8n.credentials, 'credential');

	const nodeTypes = await n8n.api('/types/nodes.json');
	const ours = new Set(nodeTypes.map((d) => d.name).filter((n) => n.startsWith(`${pkg.name}.`)));
	// n8n adds a `<name>Tool` variant for every node with usableAsTool.
	const loadedNodes = [...ours].filter((n) => !(n.endsWith('Tool') && ours.has(n.slice(0, -4)))).sort();
	assert.deepEqual(loadedNodes, nodeNames.map((n) => `${pkg.name}.${n}`).sort());
	assert.equal(loadedNodes.length, pkg.n8n.nodes.length);

	const credentialTypes = await n8n.api('/types/credentials.json');
	const known = new Set(credentialTypes.map((c) => c.name));
	const missing = credentialNames.filter((n) => !known.has(n));
	assert.deepEqual(missing, [], `credentials n8n did not load (of ${pkg.n8n.credentials.length} declared)`);
	assert.equal(new Set(credentialNames).size, pkg.n8n.credentials.length, 'two credential files declare the same name');

	const log = fs.readFileSync(n8n.logFile, 'utf8');
	assert.doesNotMatch(log, /Unrecognized node type/);
	const problems = log.split('\n').filter((l) => l.includes(pkg.name) && /error|fail|could not/i.test(l));
	assert.deepEqual(problems, [], 'n8n logged problems with the package');
}, 30000);

t.test('every shipped template activates, and a delivery runs through the packed trigger', async () => {
	// Workflows only: a credentials file beside the templates is not imported.
	const shipped = entries
		.filter((e) => /^templates\/[^/]+\.json$/.test(e.path))
		.filter((e) => Array.isArray(JSON.parse(fs.readFileSync(path.join(copy, e.path), 'utf8')).nodes));
	assert.equal(n8n.workflows.length, shipped.length);
	const { data } = await n8n.api('/workflows?limit=250');
	const active = new Set(data.filter((w) => w.active).map((w) => w.id));
	for (const wf of n8n.workflows) assert.ok(active.has(wf.id), `${wf.name} is not active`);

	const h = vh.vendorHelpers(() => n8n);
	const wf = h.workflow('synthesisvr-sessions.json');
	const before = await h.executionIds(wf.id);
	vh.assertAccepted(await postWebhook(h.synthesisVrUrl(), vh.json(vh.SYNTHESISVR_BATCH)), vh.SYNTHESISVR_BATCH.length);
	const [execution] = await h.newExecutions(wf.id, before);
	assert.equal(execution.status, 'success');
	assert.equal(vh.nodeItems(execution, 'SynthesisVR Trigger').length, vh.SYNTHESISVR_BATCH.length);
	// A wrong token is refused by the trigger itself.
	const url = h.triggerUrl('synthesisvr-sessions.json');
	vh.assertRejected(await postWebhook(`${url}?token=wrong-token`, vh.json(vh.SYNTHESISVR_BATCH)), 401, 'bad_token');
}, 60000);

t.test('n8n runs as in production: its own error answers carry no stack trace', async () => {
	const res = await fetch(`${n8n.baseUrl}/webhook/no-such-webhook-${Date.now()}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
	const text = await res.text();
	assert.equal(res.status, 404, text);
	const body = JSON.parse(text);
	assert.equal(typeof body.message, 'string');
	assert.equal('stacktrace' in body, false, `n8n answered a stack trace: ${text}`);
	assert.doesNotMatch(text, /\n\s+at /);
}, 30000);

t.test('the runtime dependencies install without engine warnings on Node 20 and Node 24', async (ctx) => {
	// Node 24: the harness's install above ran npm on n8n 2.x's Node, as n8n's installer does.
	const installs = [[`${n8n.n8nVersion}'s Node`, n8n.install.installOutput]];
	// Node 20 (n8n 1.x): the system Node.
	const folder = fs.mkdtempSync(path.join(work, 'node20-'));
	const node20 = await rt.installPackage(folder, { tarball });
	installs.push([`system Node ${process.version}`, node20.installOutput]);
	for (const [where, output] of installs) {
		assert.equal(typeof output, 'string', `${where}: no install output`);
		ctx.diagnostic(`${where}: ${output.trim().split('\n').pop()}`);
		assert.doesNotMatch(output, /EBADENGINE|npm warn|npm error/i, `${where}:\n${output}`);
	}
	// Our own engines range admits both.
	const min = /^>=(\d+)\.(\d+)(?:\.(\d+))?$/.exec(pkg.engines.node);
	assert.ok(min, `engines.node "${pkg.engines.node}" is not of the form >=x.y[.z]`);
	const versions = [process.version, (await rt.run(path.join(await rt.ensureNode24(), 'node'), ['--version'], { capture: true })).trim()];
	for (const v of versions) {
		const [a, b, c] = v.replace(/^v/, '').split('.').map(Number);
		const [x, y, z] = [Number(min[1]), Number(min[2]), Number(min[3] || 0)];
		assert.ok(a > x || (a === x && (b > y || (b === y && c >= z))), `${v} does not satisfy engines ${pkg.engines.node}`);
	}
}, 120000);
