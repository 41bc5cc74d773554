#!/usr/bin/env node
'use strict';
// `npm run dev`: the edit loop. Compiles with `tsc --watch`, copies icons and codex files
// (gulp build:assets) when they change, and after every clean compile restarts the local n8n of
// `npm start` (scripts/start.js --no-build) with the new dist/ packed and installed the way
// n8n's community-package installer does. A compile with errors keeps the running n8n.
//
// Why not `n8n-node dev` (@n8n/node-cli): it runs `npx n8n@latest` (this project pins n8n and
// installs it on Node 24 itself; `latest` does not even resolve from some registries) and links
// the repo into ~/.n8n-node-cli/.n8n/custom, where n8n names the node types CUSTOM.<name>
// instead of n8n-nodes-vendor-webhooks.<name>, so the templates would not find their nodes.
// It hot-reloads with N8N_DEV_RELOAD; here a restart (about 10 s) replaces the process, so
// what runs is exactly what users install.
//
// Env as for npm start (N8N_PORT, N8N_VERSION, ...). Ctrl-C stops everything.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const log = (msg) => process.stderr.write(`[dev] ${msg}\n`);

// tsc --watch prints this after every compile (TypeScript 5.x), errors or not.
const COMPILED = /Found (\d+) errors?\. Watching for file changes\./;
const ASSET = /\.(svg|png)$|\.node\.json$/;

let server = null; // the running `node scripts/start.js --no-build`
let restarting = null;
let pending = false;
let stopping = false;

function startServer() {
	const child = spawn(process.execPath, [path.join(__dirname, 'start.js'), '--no-build'], {
		cwd: ROOT,
		stdio: ['ignore', 'inherit', 'inherit'],
		// Its own process group: a Ctrl-C reaches it through us, in order, not twice.
		detached: true,
	});
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
	exited.then(({ code, signal }) => {
		if (server && server.child === child) server = null;
		if (!stopping && !restarting) log(`n8n stopped (${code ?? signal}); it starts again after the next clean compile`);
	});
	server = { child, exited };
}

async function stopServer() {
	if (!server) return;
	const { child, exited } = server;
	server = null;
	// start.js stops n8n on SIGINT (SIGTERM to n8n, SIGKILL after 20 s) and exits.
	try {
		process.kill(child.pid, 'SIGINT');
	} catch {}
	const timer = setTimeout(() => {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {}
	}, 40000);
	await exited;
	clearTimeout(timer);
}

/** Restarts n8n with the current dist/; changes during a restart lead to one more restart. */
function scheduleRestart(reason) {
	if (stopping) return;
	if (restarting) {
		pending = true;
		return;
	}
	restarting = (async () => {
		log(`${reason}: ${server ? 'restarting' : 'starting'} n8n`);
		await stopServer();
		if (!stopping) startServer();
	})().finally(() => {
		restarting = null;
		if (pending) {
			pending = false;
			scheduleRestart('more changes');
		}
	});
}

function runAssets() {
	return new Promise((resolve) => {
		const child = spawn(bin('gulp'), ['build:assets'], { cwd: ROOT, stdio: 'inherit' });
		child.on('exit', (code) => resolve(code === 0));
	});
}

async function main() {
	let tsc = null;
	const watchers = [];
	async function shutdown(signal) {
		if (stopping) return;
		stopping = true;
		log(`${signal}: stopping`);
		for (const w of watchers) w.close();
		if (tsc) tsc.kill('SIGTERM');
		if (restarting) await restarting;
		await stopServer();
		process.exit(0);
	}
	process.on('SIGINT', () => shutdown('SIGINT'));
	process.on('SIGTERM', () => shutdown('SIGTERM'));

	// A clean dist/ first: tsc --watch never deletes the output of removed sources.
	fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
	if (!(await runAssets())) log('copying icons and codex files failed; fix and save again');

	let assetsTimer = null;
	for (const dir of ['nodes', 'credentials']) {
		// Recursive fs.watch works on Linux from Node 20.
		watchers.push(
			fs.watch(path.join(ROOT, dir), { recursive: true }, (_event, file) => {
				if (!file || !ASSET.test(String(file))) return;
				clearTimeout(assetsTimer);
				assetsTimer = setTimeout(async () => {
					if (await runAssets()) scheduleRestart(`${dir}/${file} changed`);
				}, 200);
			}),
		);
	}

	// File-system events, not tsc's default polling here: a saved file compiles within a second
	// instead of up to ~40 s later (seen with TypeScript 5.9 on Linux).
	const watchArgs = ['--watchFile', 'useFsEvents', '--watchDirectory', 'useFsEvents'];
	tsc = spawn(bin('tsc'), ['-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput', ...watchArgs], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	tsc.stdout.setEncoding('utf8');
	let buffered = '';
	tsc.stdout.on('data', (chunk) => {
		process.stdout.write(chunk);
		buffered += chunk;
		const lines = buffered.split('\n');
		buffered = lines.pop();
		for (const line of lines) {
			const m = COMPILED.exec(line);
			if (!m) continue;
			if (Number(m[1]) === 0) scheduleRestart('compiled');
			else log(`${m[1]} TypeScript error(s): n8n keeps running the last good build`);
		}
	});
	tsc.on('exit', (code, signal) => {
		if (stopping) return;
		log(`tsc --watch exited (${code ?? signal})`);
		shutdown('tsc exited');
	});
	log('watching nodes/ and credentials/; Ctrl-C stops tsc and n8n');
}

module.exports = { COMPILED, ASSET };

if (require.main === module) {
	main().catch((e) => {
		log(e.stack || String(e));
		process.exit(1);
	});
}
