// Copies what tsc does not emit into dist/: node icons (svg/png) and codex files (*.node.json).
const { src, dest } = require('gulp');

function buildAssets() {
	return src(['nodes/**/*.{svg,png}', 'nodes/**/*.node.json', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:assets'] = buildAssets;
