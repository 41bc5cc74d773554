import * as fs from 'fs';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '../..');

/** Files under `dir`, recursively, whose name `keep` accepts, sorted. */
export function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
	return fs
		.readdirSync(dir, { withFileTypes: true })
		.flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), keep) : keep(e.name) ? [path.join(dir, e.name)] : []))
		.sort();
}

/** A path as the repository names it, for messages. */
export const rel = (file: string) => path.relative(ROOT, file);
