// Plain `npm pack` and `npm publish` must run this package's own prepack (the build), so the
// project's .npmrc must not turn lifecycle scripts off. The dev-only dependencies whose install
// scripts must not run on a contributor's machine (isolated-vm does not build on Node 20,
// eslint-plugin-n8n-nodes-base runs `npx only-allow pnpm`, ...) are denied one by one in
// package.json's allowScripts instead: keep that list equal to what the lockfile installs.

import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

type LockEntry = { name?: string; version?: string; dev?: boolean; optional?: boolean; devOptional?: boolean; hasInstallScript?: boolean };
const entries = Object.entries(lock.packages as Record<string, LockEntry>).filter(([key]) => key !== '');
/** The package name of a lockfile entry: its own `name` (aliases), else the path after the last node_modules/. */
const nameOf = ([key, entry]: [string, LockEntry]) => entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
const withInstallScripts = entries.filter(([, e]) => e.hasInstallScript);

describe('install scripts', () => {
	it('the project .npmrc does not ignore scripts (npm pack would skip prepack and ship no dist/)', () => {
		const npmrc = readFileSync(path.join(ROOT, '.npmrc'), 'utf8')
			.split('\n')
			.map((l) => l.trim())
			.filter((l) => l && !/^[#;]/.test(l));
		expect(npmrc.filter((l) => /^ignore-scripts\s*=/.test(l))).toEqual([]);
		expect(pkg.scripts.prepack).toBe('npm run build');
	});

	it('every locked package with install scripts has an allowScripts entry, and every entry one such package', () => {
		expect(withInstallScripts.length).toBeGreaterThan(0);
		const names = [...new Set(withInstallScripts.map(nameOf))].sort();
		expect(Object.keys(pkg.allowScripts ?? {}).sort()).toEqual(names);
	});

	it('they are all denied, and all development-only: the published package installs none', () => {
		for (const [name, allowed] of Object.entries(pkg.allowScripts)) expect([name, allowed]).toEqual([name, false]);
		const runtime = withInstallScripts.filter(([, e]) => !e.dev && !e.devOptional).map(([key]) => key);
		expect(runtime).toEqual([]);
	});
});
