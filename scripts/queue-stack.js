'use strict';
// n8n in queue mode, started by the project itself: Postgres and Redis from Debian on loopback
// ports, then n8n main, one webhook processor and N workers, all sharing one user folder (this
// package installed once in its .n8n/nodes, as n8n's community installer does), one encryption
// key and the environment of scripts/n8n-runtime.js. Used by test/e2e/harness.js
// (`startE2E({ mode: 'queue' })`), scripts/start-queue.js and the load/fault benchmark.
// Facts behind the choices: /work/shared/notes/n8n-e2e.md, "Queue mode".
//
//   const { startQueueStack } = require('./queue-stack');
//   const stack = await startQueueStack({ userFolder, workflows: [dir], credentials: file });
//   await fetch(stack.workflows[0].webhookUrls[0].url, { method: 'POST', body: '{}' });
//   await stack.kill('worker1');            // SIGKILL to its process group (worker + task runner)
//   await stack.restart('worker1');         // same ports and log file, waits for readiness
//   await stack.stop();                     // everything it started, also on a failed start
//
// The processes run in their own process groups and do not keep the caller's event loop alive;
// stop() ends them, and so do this module's exit and signal handlers and, should the caller be
// killed outright, a small watcher process.
//
// Layout of the user folder: .n8n/ (n8n's own), postgres/ (cluster, socket, postgres.log; owned
// by the `postgres` user), redis/ (append-only files, redis.log), logs/ (one log and one event
// log per n8n process).

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const rt = require('./n8n-runtime');

const DB = { name: 'n8n', user: 'n8n', password: 'n8n' };
const WORKER_CONCURRENCY = 5;
const PG_OS_USER = 'postgres'; // created by Debian's package; Postgres refuses to run as root
// Never picked at random: n8n's default port and its task-runner broker's.
const AVOID_PORTS = new Set([5678, 5679]);

function log(msg) {
	process.stderr.write(`[queue-stack] ${msg}\n`);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

// ---------------------------------------------------------------------------------------------
// Debian packages

function which(cmd) {
	const dirs = [...(process.env.PATH || '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
	for (const dir of dirs) {
		const file = path.join(dir, cmd);
		try {
			fs.accessSync(file, fs.constants.X_OK);
			return file;
		} catch {}
	}
	return null;
}

/** Newest /usr/lib/postgresql/<version>/bin with a pg_ctl, or null. */
function postgresBin() {
	const root = '/usr/lib/postgresql';
	if (!fs.existsSync(root)) return null;
	const [version] = fs
		.readdirSync(root)
		.filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
		.sort((a, b) => Number(b) - Number(a));
	return version ? { version, dir: path.join(root, version, 'bin') } : null;
}

let aptUpdated = false;
async function aptInstall(packages) {
	if (!isRoot()) {
		throw new Error(`${packages.join(' and ')} not installed; as root: apt-get install -y ${packages.join(' ')}`);
	}
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	// Exit code 101 keeps Debian's maintainer scripts from starting the services on their default
	// ports; most machines here have such a policy-rc.d, add one for the install where none is.
	const policy = '/usr/sbin/policy-rc.d';
	const ownPolicy = !fs.existsSync(policy);
	if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
	try {
		if (!aptUpdated) {
			log('apt-get update');
			await rt.run('apt-get', ['update', '-qq'], { env, capture: true });
			aptUpdated = true;
		}
		log(`apt-get install ${packages.join(' ')}`);
		await rt.run('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=300', ...packages], {
			env,
			capture: true,
			heartbeat: 'apt-get install',
		});
	} finally {
		if (ownPolicy) fs.rmSync(policy, { force: true });
	}
	// Debian links both to start at boot; the project runs its own instances on its own ports.
	if (which('systemctl')) {
		await rt.run('systemctl', ['disable', '--quiet', 'postgresql', 'redis-server'], { capture: true }).catch((e) =>
			log(`systemctl disable: ${e.message.split('\n')[0]}`),
		);
	}
}

function osUser(name) {
	const line = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((l) => l.startsWith(`${name}:`));
	if (!line) return null;
	const [, , uid, gid] = line.split(':');
	return { name, uid: Number(uid), gid: Number(gid) };
}

let services;
/**
 * Installs Debian's `postgresql` and `redis-server` when missing (apt-get update once, no
 * autostart). Returns {pgVersion, pgBin, redisServer, redisCli, pgUser}: pgUser is the OS user
 * the cluster runs as ({name, uid, gid}; null when not root: then it runs as the current user).
 */
async function ensureQueueServices() {
	if (services) return services;
	const missing = [];
	if (!postgresBin()) missing.push('postgresql');
	if (!which('redis-server') || !which('redis-cli')) missing.push('redis-server');
	if (missing.length) await aptInstall(missing);
	const pg = postgresBin();
	if (!pg) throw new Error('postgresql installed, but no /usr/lib/postgresql/<version>/bin/pg_ctl found');
	const pgUser = isRoot() ? osUser(PG_OS_USER) : null;
	if (isRoot() && !pgUser) throw new Error(`no OS user ${PG_OS_USER}: reinstall Debian's postgresql package`);
	services = { pgVersion: pg.version, pgBin: pg.dir, redisServer: which('redis-server'), redisCli: which('redis-cli'), pgUser };
	return services;
}

// ---------------------------------------------------------------------------------------------
// ports

function tryListen(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(null));
		srv.listen(port, '127.0.0.1', () => {
			const { port: p } = srv.address();
			srv.close(() => resolve(p));
		});
	});
}

/**
 * A free loopback port not in `taken` (with `pair`, p+1 is free too: n8n's task-runner broker).
 * `preferred` must be free or this throws.
 */
async function freePort(taken, { pair = false, preferred } = {}) {
	const span = pair ? [0, 1] : [0];
	if (preferred) {
		for (const d of span) {
			if (taken.has(preferred + d) || !(await tryListen(preferred + d))) {
				throw new Error(`port ${preferred + d} is in use; pick other ports (see --help)`);
			}
		}
		span.forEach((d) => taken.add(preferred + d));
		return preferred;
	}
	for (let i = 0; i < 100; i++) {
		const p = await tryListen(0);
		if (!p || p + 1 >= 65535) continue;
		if (span.some((d) => taken.has(p + d) || AVOID_PORTS.has(p + d))) continue;
		if (pair && !(await tryListen(p + 1))) continue;
		span.forEach((d) => taken.add(p + d));
		return p;
	}
	throw new Error('no free loopback port found');
}

// ---------------------------------------------------------------------------------------------
// cleanup when this process dies without stopping the stack

/**
 * A tiny detached watcher with a pipe from this process: when the pipe closes (this process
 * exited, even by SIGKILL) it kills what is still registered: n8n process groups with SIGKILL,
 * Postgres with a fast shutdown (SIGINT to the postmaster), Redis with SIGTERM (it syncs the
 * append-only file). Items are removed once stopped normally.
 */
const SENTINEL_SOURCE = `
const fs = require('fs');
const items = new Map();
let buf = '';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
process.stdin.on('data', (d) => {
	buf += d;
	for (let i; (i = buf.indexOf('\\n')) >= 0; buf = buf.slice(i + 1)) {
		const m = JSON.parse(buf.slice(0, i));
		if (m.add) items.set(m.add.id, m.add);
		else items.delete(m.remove);
	}
});
process.stdin.on('end', () => {
	for (const it of items.values()) {
		try {
			if (it.kind === 'group') process.kill(-it.pid, 'SIGKILL');
			else if (it.kind === 'postgres') process.kill(Number(fs.readFileSync(it.pidFile, 'utf8').split('\\n')[0]), 'SIGINT');
			else process.kill(it.pid, 'SIGTERM');
		} catch {}
	}
	process.exit(0);
});
`;
let sentinel;
function sentinelSend(msg) {
	if (!sentinel) {
		sentinel = spawn(process.execPath, ['-e', SENTINEL_SOURCE], {
			detached: true,
			stdio: ['pipe', 'ignore', 'ignore'],
			env: { PATH: process.env.PATH || '' },
		});
		sentinel.on('error', (e) => log(`cleanup watcher: ${e.message}`));
		sentinel.stdin.on('error', () => {});
		sentinel.unref();
		sentinel.stdin.unref();
	}
	sentinel.stdin.write(JSON.stringify(msg) + '\n');
}
const watch = (item) => sentinelSend({ add: item });
const unwatch = (id) => sentinelSend({ remove: id });
let stacksStarted = 0;

const liveStacks = new Set();
let handlersInstalled = false;
let signalHandlersOn = false;
let signalled = false;
function installProcessHandlers(handleSignals) {
	if (!handlersInstalled) {
		handlersInstalled = true;
		process.on('exit', () => {
			for (const s of liveStacks) s.killNow();
		});
	}
	if (!handleSignals || signalHandlersOn) return;
	signalHandlersOn = true;
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.on(sig, () => {
			if (signalled) {
				log(`${sig} again: killing everything now`);
				process.exit(1); // the exit handler kills what is left
			}
			signalled = true;
			log(`${sig}: stopping the queue-mode stack (again to kill at once)`);
			Promise.allSettled([...liveStacks].map((s) => s.stop())).then(() => process.exit(128 + os.constants.signals[sig]));
		});
	}
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * True while `pid` runs. A zombie is dead: Postgres' postmaster (daemonized by pg_ctl) belongs to
 * pid 1, which may reap it late.
 */
function pidAlive(pid) {
	try {
		process.kill(pid, 0);
	} catch (e) {
		if (e.code !== 'EPERM') return false;
	}
	try {
		// /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces and parentheses.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
	} catch {
		return true; // no /proc: trust kill(0)
	}
}

function killQuietly(pid, signal) {
	try {
		process.kill(pid, signal);
		return true;
	} catch {
		return false;
	}
}

function tail(file, lines = 40) {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

/** Pids of all descendants of `pid` (e.g. the task runner of a worker), from /proc. */
function descendants(pid) {
	const out = [];
	const walk = (p) => {
		let tasks = [];
		try {
			tasks = fs.readdirSync(`/proc/${p}/task`);
		} catch {
			return;
		}
		for (const t of tasks) {
			let children = '';
			try {
				children = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
			} catch {}
			for (const c of children.split(' ').filter(Boolean).map(Number)) {
				out.push(c);
				walk(c);
			}
		}
	};
	walk(pid);
	return out;
}

function redisPing(port) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let buf = '';
		const done = (v) => {
			socket.destroy();
			resolve(v);
		};
		socket.setTimeout(1000, () => done(false));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (d) => {
			buf += d;
			// "-LOADING ..." while it replays the append-only file.
			if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
		});
		socket.on('error', () => done(false));
	});
}

async function waitPidGone(pid, timeoutMs) {
	await rt.poll(() => !pidAlive(pid), { timeoutMs, intervalMs: 50, what: `pid ${pid} to exit` });
}

/** The encryption key n8n already stored in the user folder, or a new one. */
function encryptionKeyFor(userFolder) {
	const file = path.join(userFolder, '.n8n', 'config');
	if (fs.existsSync(file)) {
		const key = JSON.parse(fs.readFileSync(file, 'utf8')).encryptionKey;
		if (key) return key;
	}
	return crypto.randomBytes(24).toString('base64url');
}

/**
 * Postgres runs as an unprivileged user, so that user must reach <userFolder>/postgres: the
 * user folder (often a mode-700 temp dir) gets search permission for others, nothing more.
 */
function makeReachable(userFolder, pgUser) {
	if (!pgUser) return;
	const st = fs.statSync(userFolder);
	if (!(st.mode & 0o001)) fs.chmodSync(userFolder, (st.mode & 0o7777) | 0o011);
	for (let d = path.dirname(path.resolve(userFolder)); ; d = path.dirname(d)) {
		const s = fs.statSync(d);
		const ok = s.uid === pgUser.uid ? s.mode & 0o100 : s.gid === pgUser.gid ? s.mode & 0o010 : s.mode & 0o001;
		if (!ok) throw new Error(`${d} is not searchable by the ${pgUser.name} user, which runs Postgres: put the user folder elsewhere or chmod o+x ${d}`);
		if (d === path.dirname(d)) break;
	}
}

// ---------------------------------------------------------------------------------------------
// the stack

/**
 * Starts Postgres, Redis, n8n main, 1 webhook processor and `workers` workers on free loopback
 * ports (`ports.main` / `ports.webhook` pin those two), with this package installed into
 * `userFolder` and `workflows` (files/folders) + `credentials` (file/array) imported and
 * activated. `env` is added to every n8n process (and the CLI). Reuses a user folder from an
 * earlier run (its database, key and login). Returns the handle described in the README of
 * test/e2e and at the end of this function.
 */
async function startQueueStack({
	userFolder,
	workflows = [],
	credentials,
	workers = 2,
	env = {},
	ports: wantedPorts = {},
	n8n,
	build = process.env.N8N_E2E_SKIP_BUILD !== '1',
	readyTimeoutMs = 120000,
	stopTimeoutMs = 20000,
	allowActivationFailures = false,
	handleSignals = true,
} = {}) {
	if (!userFolder) throw new Error('startQueueStack needs {userFolder}');
	userFolder = path.resolve(userFolder);
	const t0 = Date.now();
	const timings = {};
	const mark = (name, since) => (timings[name] = Date.now() - since);
	const stackId = ++stacksStarted; // names the watcher's items: one process may run several stacks

	n8n = n8n || (await rt.ensureN8n());
	const svc = await ensureQueueServices();
	mark('prerequisites', t0);
	await fsp.mkdir(path.join(userFolder, 'logs'), { recursive: true });

	const taken = new Set();
	const ports = {
		main: await freePort(taken, { pair: true, preferred: wantedPorts.main }),
		webhook: await freePort(taken, { pair: true, preferred: wantedPorts.webhook }),
		workers: [],
		postgres: await freePort(taken, { preferred: wantedPorts.postgres }),
		redis: await freePort(taken, { preferred: wantedPorts.redis }),
	};
	for (let i = 0; i < workers; i++) ports.workers.push(await freePort(taken, { pair: true }));

	const mainUrl = `http://127.0.0.1:${ports.main}`;
	const webhookUrl = `http://127.0.0.1:${ports.webhook}`;
	const queueEnv = {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(ports.postgres),
		DB_POSTGRESDB_DATABASE: DB.name,
		DB_POSTGRESDB_USER: DB.user,
		DB_POSTGRESDB_PASSWORD: DB.password,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(ports.redis),
		N8N_ENCRYPTION_KEY: encryptionKeyFor(userFolder),
		// The editor shows production URLs on the webhook processor, where they are served (test
		// webhooks too, though only main serves /webhook-test/: start-queue.js says so).
		N8N_WEBHOOK_URL: `${webhookUrl}/`,
		WEBHOOK_URL: `${webhookUrl}/`, // n8n 1.x's name for the same setting
		...env,
	};
	/** n8n's environment for one process: the single-instance one plus the queue settings. */
	const processEnv = (port, extra = {}) => {
		const e = rt.n8nEnv(n8n, userFolder, port, { ...queueEnv, ...extra });
		// NODE_ENV=production turns on crash.journal: a start after a kill -9 sleeps 10 s.
		delete e.NODE_ENV;
		return e;
	};
	const pgDir = path.join(userFolder, 'postgres');
	const redisDir = path.join(userFolder, 'redis');
	const asPg = (bin, args) => (svc.pgUser ? ['runuser', ['-u', svc.pgUser.name, '--', bin, ...args]] : [bin, args]);
	const pgBin = (name) => path.join(svc.pgBin, name);
	const pgData = path.join(pgDir, 'data');

	const processes = { main: null, webhook: null, workers: [], postgres: null, redis: null };
	let stopping = null;

	// --- Postgres -------------------------------------------------------------------------
	const postgres = {
		name: 'postgres',
		role: 'postgres',
		port: ports.postgres,
		logFile: path.join(pgDir, 'postgres.log'),
		dataDir: pgData,
		socketDir: path.join(pgDir, 'sock'),
		pid: null,
		readyMs: null,
		get alive() {
			return Boolean(this.pid && pidAlive(this.pid));
		},
	};
	const pgCtl = (args, opts) => rt.run(...asPg(pgBin('pg_ctl'), ['-D', pgData, ...args]), { capture: true, ...opts });
	const startPostgres = async () => {
		const t = Date.now();
		const marker = path.join(pgDir, 'n8n-database-created');
		makeReachable(userFolder, svc.pgUser);
		await fsp.mkdir(pgDir, { recursive: true, mode: 0o700 });
		if (!fs.existsSync(marker)) {
			// A cluster without the marker is a half-made one (a killed first start): start over.
			await fsp.rm(pgData, { recursive: true, force: true });
			await fsp.mkdir(postgres.socketDir, { recursive: true, mode: 0o700 });
			if (svc.pgUser) for (const d of [pgDir, postgres.socketDir]) fs.chownSync(d, svc.pgUser.uid, svc.pgUser.gid);
			await rt.run(...asPg(pgBin('initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']), {
				capture: true,
			});
		}
		const opts = `-p ${ports.postgres} -k '${postgres.socketDir}' -c listen_addresses=127.0.0.1`;
		const pidFile = path.join(pgData, 'postmaster.pid');
		const lockPid = () => (fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : null);
		await rt.poll(
			async () => {
				const old = lockPid();
				if (old && pidAlive(old)) throw Object.assign(new Error(`Postgres already runs in ${pgData} (pid ${old})`), { fatal: true });
				// After a kill -9 the dead postmaster may linger as a zombie of pid 1, which Postgres
				// takes for a live one: drop its lock file. Backends that still hold the shared
				// memory make the start fail: retried until they are gone.
				if (old) fs.rmSync(pidFile, { force: true });
				await pgCtl(['-l', postgres.logFile, '-w', '-t', '60', '-o', opts, 'start']);
				return true;
			},
			{ timeoutMs: 60000, intervalMs: 250, what: `Postgres to start (log: ${postgres.logFile})` },
		);
		postgres.pid = lockPid();
		watch({ id: `${stackId}:postgres`, kind: 'postgres', pidFile: path.join(pgData, 'postmaster.pid') });
		if (!fs.existsSync(marker)) {
			// Two -c: CREATE DATABASE cannot run inside the transaction of a multi-statement -c.
			await psql(['-U', 'postgres', '-d', 'postgres', '-c', `CREATE USER ${DB.user} PASSWORD '${DB.password}'`, '-c', `CREATE DATABASE ${DB.name} OWNER ${DB.user}`]);
			await fsp.writeFile(marker, new Date().toISOString() + '\n');
		}
		postgres.readyMs = Date.now() - t;
	};
	const stopPostgres = async (mode = 'fast') => {
		if (postgres.alive) {
			await pgCtl(['-m', mode, '-w', '-t', '60', 'stop']).catch((e) => {
				log(`pg_ctl stop: ${e.message.split('\n')[0]}; killing the postmaster`);
				killQuietly(postgres.pid, 'SIGQUIT');
			});
		}
		unwatch(`${stackId}:postgres`);
	};
	const psql = (args) =>
		rt.run(pgBin('psql'), ['-h', '127.0.0.1', '-p', String(ports.postgres), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args], {
			capture: true,
			env: { ...process.env, PGPASSWORD: DB.password, PGCONNECT_TIMEOUT: '10' },
		});
	/** Runs SQL on n8n's database; returns rows as arrays of strings (tab-separated by psql). */
	const sql = async (query) => {
		const out = await psql(['-U', DB.user, '-d', DB.name, '-F', '\t', '-c', query]);
		return out
			.split('\n')
			.filter((l) => l.length)
			.map((l) => l.split('\t'));
	};

	// --- Redis ------------------------------------------------------------------------------
	const redis = {
		name: 'redis',
		role: 'redis',
		port: ports.redis,
		logFile: path.join(redisDir, 'redis.log'),
		dir: redisDir,
		pid: null,
		readyMs: null,
		exited: null,
		exitInfo: null,
		get alive() {
			return Boolean(this.pid && !this.exitInfo && pidAlive(this.pid));
		},
	};
	const startRedis = async () => {
		const t = Date.now();
		await fsp.mkdir(redisDir, { recursive: true });
		// In the foreground (own process group) rather than --daemonize: its pid is the child's.
		const child = spawn(
			svc.redisServer,
			['--port', String(ports.redis), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'everysec',
				'--save', '', '--logfile', redis.logFile, '--daemonize', 'no'],
			{ detached: true, stdio: 'ignore' },
		);
		child.unref(); // a leak must not keep this process alive: the exit handler kills it
		redis.pid = child.pid;
		redis.exitInfo = null;
		redis.exited = new Promise((resolve) => {
			// Only this run's exit counts: an earlier (killed) run's may arrive after a restart.
			const ended = (info) => {
				if (redis.pid === child.pid) redis.exitInfo = info;
				resolve(info);
			};
			child.on('error', (e) => ended({ error: e.message }));
			child.on('exit', (code, signal) => ended({ code, signal }));
		});
		watch({ id: `${stackId}:redis`, kind: 'pid', pid: child.pid });
		await rt.poll(
			async () => {
				if (redis.exitInfo) throw Object.assign(new Error(`redis-server exited (${JSON.stringify(redis.exitInfo)})\n${tail(redis.logFile)}`), { fatal: true });
				return redisPing(ports.redis);
			},
			{ timeoutMs: 30000, intervalMs: 50, what: `redis on port ${ports.redis}` },
		);
		redis.readyMs = Date.now() - t;
	};
	const stopRedis = async () => {
		if (redis.alive) {
			await rt.run(svc.redisCli, ['-p', String(ports.redis), 'shutdown'], { capture: true }).catch(() => killQuietly(redis.pid, 'SIGTERM'));
			const timer = setTimeout(() => killQuietly(redis.pid, 'SIGKILL'), 15000);
			await redis.exited;
			clearTimeout(timer);
		}
		if (redis.pid && pidAlive(redis.pid)) killQuietly(redis.pid, 'SIGKILL');
		unwatch(`${stackId}:redis`);
	};

	// --- n8n processes ------------------------------------------------------------------------
	const specs = {
		main: { role: 'main', args: ['start'], port: ports.main },
		webhook: { role: 'webhook', args: ['webhook'], port: ports.webhook },
	};
	ports.workers.forEach((port, i) => {
		specs[`worker${i + 1}`] = {
			role: 'worker',
			args: ['worker', `--concurrency=${WORKER_CONCURRENCY}`],
			port,
			// Without these a worker has no HTTP at all (defaults: port 5678, address ::).
			env: { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' },
		};
	});

	const spawnN8n = (name) => {
		const spec = specs[name];
		const logFile = path.join(userFolder, 'logs', `${name}.log`);
		const proc = {
			name,
			role: spec.role,
			port: spec.port,
			brokerPort: spec.role === 'webhook' ? null : spec.port + 1,
			url: `http://127.0.0.1:${spec.port}`,
			logFile,
			eventLogFile: path.join(userFolder, 'logs', `${name}.events.log`),
			pid: null,
			readyMs: null,
			exitInfo: null,
			exited: null,
			get alive() {
				return Boolean(this.pid && !this.exitInfo && pidAlive(this.pid));
			},
		};
		fs.appendFileSync(logFile, `=== ${new Date().toISOString()} n8n ${n8n.version} ${spec.args.join(' ')} on port ${spec.port} ===\n`);
		const fd = fs.openSync(logFile, 'a');
		// Own process group: signals reach the task runner too, and Ctrl-C in a terminal does not.
		const child = spawn(n8n.node, [n8n.bin, ...spec.args], {
			env: processEnv(spec.port, { ...spec.env, N8N_EVENTBUS_LOGWRITER_LOGFULLPATH: proc.eventLogFile }),
			detached: true,
			stdio: ['ignore', fd, fd],
		});
		fs.closeSync(fd);
		child.unref(); // a leak must not keep this process alive: the exit handler kills it
		proc.pid = child.pid;
		proc.startedAt = Date.now();
		proc.exited = new Promise((resolve) => {
			child.on('error', (e) => resolve((proc.exitInfo = { error: e.message })));
			child.on('exit', (code, signal) => resolve((proc.exitInfo = { code, signal })));
		});
		watch({ id: `${stackId}:${name}`, kind: 'group', pid: child.pid });
		return proc;
	};

	const waitReady = async (proc) => {
		try {
			await rt.poll(
				async () => {
					if (proc.exitInfo) throw Object.assign(new Error(`${proc.name} exited (${JSON.stringify(proc.exitInfo)})`), { fatal: true });
					const res = await fetch(`${proc.url}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
					await res.arrayBuffer();
					if (res.status !== 200) return false;
					if (proc.role !== 'main') return true;
					const settings = await fetch(`${proc.url}/rest/settings`, { signal: AbortSignal.timeout(2000) });
					await settings.arrayBuffer();
					return settings.status === 200;
				},
				{ timeoutMs: readyTimeoutMs, intervalMs: 100, what: `${proc.name} ${proc.url}/healthz/readiness` },
			);
		} catch (e) {
			e.message += `\n--- ${proc.logFile} (tail) ---\n${tail(proc.logFile)}`;
			throw e;
		}
		proc.readyMs = Date.now() - proc.startedAt;
		return proc;
	};

	const stopN8nProcess = async (proc, timeoutMs = stopTimeoutMs) => {
		if (!proc) return;
		if (!proc.exitInfo) {
			killQuietly(-proc.pid, 'SIGTERM');
			const timer = setTimeout(() => {
				log(`${proc.name} did not stop within ${timeoutMs} ms: SIGKILL`);
				killQuietly(-proc.pid, 'SIGKILL');
			}, timeoutMs);
			await proc.exited;
			clearTimeout(timer);
		}
		killQuietly(-proc.pid, 'SIGKILL'); // a task runner left in the group
		unwatch(`${stackId}:${proc.name}`);
	};

	const setProcess = (proc) => {
		if (proc.role === 'worker') processes.workers[Number(proc.name.slice('worker'.length)) - 1] = proc;
		else processes[proc.name] = proc;
	};
	const n8nProcesses = () => [processes.main, processes.webhook, ...processes.workers].filter(Boolean);
	const byName = (name) => {
		const proc = name === 'postgres' || name === 'redis' ? processes[name] : n8nProcesses().find((p) => p.name === name);
		if (!proc) throw new Error(`no process "${name}" (have: main, webhook, ${processes.workers.map((w) => w.name).join(', ')}, postgres, redis)`);
		return proc;
	};

	const stack = {
		mode: 'queue',
		n8n,
		userFolder,
		mainUrl,
		webhookUrl,
		ports,
		processes,
		timings,
		/** The environment shared by every n8n process (without the per-process ports and logs). */
		env: queueEnv,
		login: null,
		api: null,
		workflows: [],
		activationFailures: [],
		/** Current pids; `taskRunners` maps a process name to its task runner child(ren). */
		get pids() {
			const ns = n8nProcesses();
			return {
				main: processes.main?.pid ?? null,
				webhook: processes.webhook?.pid ?? null,
				workers: processes.workers.map((w) => w.pid),
				postgres: postgres.pid,
				redis: redis.pid,
				taskRunners: Object.fromEntries(ns.map((p) => [p.name, p.alive ? descendants(p.pid) : []])),
			};
		},
		/** A process record by name: main, webhook, worker1..N, postgres, redis. */
		process: byName,
		sql,
		/** Runs an n8n CLI command against this stack's database (~2.5 s: it boots n8n). */
		cli: (args) => rt.run(n8n.node, [n8n.bin, ...args], { env: processEnv(5678), capture: true }),
		/**
		 * Sends `signal` (default SIGKILL) to a process: an n8n process's whole group (with its
		 * task runner) unless `group: false`; Postgres' postmaster; Redis. With `wait` (default)
		 * resolves once the process is gone. Returns the pid.
		 */
		async kill(name, signal = 'SIGKILL', { group = true, wait = true, timeoutMs = 60000 } = {}) {
			const proc = byName(name);
			const { pid } = proc;
			if (!proc.alive) return pid;
			killQuietly(proc.role === 'postgres' || proc.role === 'redis' || !group ? pid : -pid, signal);
			if (wait) {
				// Our children: their exit event (after which the stack's state is current).
				if (proc.exited) await rt.poll(() => proc.exitInfo, { timeoutMs, intervalMs: 20, what: `${name} (pid ${pid}) to exit` });
				else await waitPidGone(pid, timeoutMs);
			}
			return pid;
		},
		/**
		 * Stops a process if it still runs (SIGTERM, SIGKILL after stopTimeoutMs; Postgres fast,
		 * Redis SHUTDOWN) and starts it again on the same ports and log; resolves when it is ready.
		 */
		async restart(name, { timeoutMs = stopTimeoutMs } = {}) {
			const proc = byName(name);
			if (proc.role === 'postgres') {
				await stopPostgres();
				await startPostgres();
				return postgres;
			}
			if (proc.role === 'redis') {
				await stopRedis();
				await startRedis();
				return redis;
			}
			await stopN8nProcess(proc, timeoutMs);
			const fresh = spawnN8n(name);
			setProcess(fresh);
			return waitReady(fresh);
		},
		/** rt.waitForExecutions on this stack's API. */
		waitForExecutions: (opts) => rt.waitForExecutions(stack.api, opts),
		/**
		 * What the n8n logs say about executions, read now: Map id → {job, enqueuedBy,
		 * startedBy, finishedBy, doneSeenBy} (process names), from "Enqueued execution N (job M)",
		 * "Worker started/finished execution N (job M)" and "Execution N (job M) finished".
		 */
		executionLog() {
			const byId = new Map();
			const entry = (id) => byId.get(id) || byId.set(id, { job: null, enqueuedBy: [], startedBy: [], finishedBy: [], doneSeenBy: [] }).get(id);
			const patterns = [
				[/Enqueued execution (\d+) \(job (\d+)\)/g, 'enqueuedBy'],
				[/Worker started execution (\d+) \(job (\d+)\)/g, 'startedBy'],
				[/Worker finished execution (\d+) \(job (\d+)\)/g, 'finishedBy'],
				[/Execution (\d+) \(job (\d+)\) finished/g, 'doneSeenBy'],
			];
			const files = new Map(Object.keys(specs).map((name) => [name, path.join(userFolder, 'logs', `${name}.log`)]));
			for (const [name, file] of files) {
				let text = '';
				try {
					text = fs.readFileSync(file, 'utf8');
				} catch {
					continue;
				}
				for (const [re, key] of patterns) {
					for (const m of text.matchAll(re)) {
						const e = entry(m[1]);
						e.job = m[2];
						e[key].push(name);
					}
				}
			}
			return byId;
		},
		/** Webhooks n8n registered, as URLs on the webhook processor: [{workflowId, node, method, path, url}]. */
		async registeredWebhooks() {
			const rows = await sql('SELECT "workflowId", node, method, "webhookPath" FROM webhook_entity ORDER BY "workflowId", node');
			return rows.map(([workflowId, node, method, p]) => ({ workflowId, node, method, path: p, url: `${webhookUrl}/webhook/${p}` }));
		},
		/**
		 * Stops everything it started: n8n processes (SIGTERM, SIGKILL after timeoutMs), then
		 * Postgres (fast) and Redis (SHUTDOWN). Safe to call twice and after a failed start.
		 */
		stop({ timeoutMs = stopTimeoutMs } = {}) {
			if (!stopping) {
				stopping = (async () => {
					const t = Date.now();
					await Promise.allSettled(n8nProcesses().map((p) => stopN8nProcess(p, timeoutMs)));
					await Promise.allSettled([stopPostgres(), stopRedis()]);
					liveStacks.delete(stack);
					return { stopMs: Date.now() - t };
				})();
			}
			return stopping;
		},
		get stopping() {
			return Boolean(stopping);
		},
		/** Synchronous last resort (process exit): SIGKILL n8n groups, Postgres fast, Redis TERM. */
		killNow() {
			for (const p of n8nProcesses()) killQuietly(-p.pid, 'SIGKILL');
			if (postgres.alive) killQuietly(postgres.pid, 'SIGINT');
			if (redis.alive) killQuietly(redis.pid, 'SIGTERM');
		},
	};
	processes.postgres = postgres;
	processes.redis = redis;
	liveStacks.add(stack);
	installProcessHandlers(handleSignals);

	try {
		let t = Date.now();
		const [install] = await Promise.all([rt.installPackage(userFolder, { build }), startPostgres(), startRedis()]);
		stack.package = install;
		mark('postgresRedisPackage', t);

		// The first CLI call runs the migrations; later ones (and the processes) find them done.
		t = Date.now();
		const imported = await rt.importWorkflows(userFolder, { workflows, credentials, n8n, env: queueEnv });
		mark('import', t);

		t = Date.now();
		for (const name of Object.keys(specs)) setProcess(spawnN8n(name));
		log(`starting n8n ${n8n.version} in queue mode: main ${mainUrl}, webhook processor ${webhookUrl}, ${workers} worker(s) (logs: ${path.join(userFolder, 'logs')})`);
		await Promise.all(n8nProcesses().map(waitReady));
		mark('n8nProcesses', t);

		t = Date.now();
		stack.login = await rt.setupOwner(mainUrl, { userFolder });
		stack.api = rt.publicApi(mainUrl, stack.login.apiKey, stack.login.cookie);
		stack.activationFailures = await rt.activateWorkflows(stack.api, imported.map((w) => w.id));
		if (stack.activationFailures.length && !allowActivationFailures) {
			throw new Error(`activation failed: ${JSON.stringify(stack.activationFailures)}`);
		}
		const failed = new Set(stack.activationFailures.map((f) => f.id));
		const expect = imported.filter((w) => w.hasWebhooks && !failed.has(w.id)).map((w) => w.id);
		const webhooks = await rt.poll(
			async () => {
				const hooks = await stack.registeredWebhooks();
				return expect.every((id) => hooks.some((h) => h.workflowId === id)) && hooks;
			},
			{ timeoutMs: 15000, intervalMs: 300, what: `webhooks of workflows ${expect.join(', ')}` },
		);
		stack.workflows = imported.map((w) => ({ ...w, webhookUrls: webhooks.filter((h) => h.workflowId === w.id) }));
		mark('ownerAndActivation', t);
		mark('total', t0);
		// Each process from its start to ready (n8n: /healthz/readiness 200); restarts do not change it.
		timings.ready = Object.fromEntries([postgres, redis, ...n8nProcesses()].map((p) => [p.name, p.readyMs]));
		const ready = Object.entries(timings.ready).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ');
		log(`queue-mode stack ready in ${(timings.total / 1000).toFixed(1)} s (${ready})`);
		return stack;
	} catch (e) {
		await stack.stop({ timeoutMs: 5000 }).catch(() => {});
		throw e;
	}
}

module.exports = { startQueueStack, ensureQueueServices, freePort, pidAlive };
