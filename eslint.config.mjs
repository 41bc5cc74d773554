import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

/**
 * n8n's community-node lint without the n8n Cloud rules: this package has runtime
 * dependencies (zod, undici) and covers several vendors, so it targets self-hosted n8n and is
 * not a candidate for Cloud verification. Every other n8n rule applies to what ships
 * (nodes/, credentials/).
 */
export default [
	...configWithoutCloudSupport,
	{
		// The credentials hold secrets shared with a vendor, not logins to an API n8n could call:
		// a local "test" would make n8n's editor say "Connection tested successfully", which is
		// not true. Each credential says so in a notice; the values are checked when a trigger
		// listens or is published, and when Send Webhook sends (nodes/shared/n8n/credentialTests.ts).
		files: ['credentials/**/*.ts', 'nodes/**/*.ts'],
		rules: { '@n8n/community-nodes/credential-test-required': 'off' },
	},
	{
		files: ['package.json'],
		// Cloud-only: self-hosted community packages may have runtime dependencies.
		rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' },
	},
	{
		// The verification core and each trigger's receive, verify and schema files are pure
		// TypeScript with no n8n imports (so it can be tested and
		// reused by the sender): it throws its own DeliveryError, which nodes/shared/n8n turns into
		// a 4xx answer, and the sender's errors become NodeApiError in the Send Webhook node.
		files: ['nodes/shared/**/*.ts', 'nodes/*/receive.ts', 'nodes/*/verify.ts', 'nodes/*/schema.ts'],
		ignores: ['nodes/shared/n8n/**'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Tests, scripts and benchmarks do not ship: plain TypeScript rules only. Their small
		// test nodes are fixtures, not community nodes.
		files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
		rules: {
			// Tests read arbitrary JSON that the nodes produced.
			'@typescript-eslint/no-explicit-any': 'off',
			...Object.fromEntries(
			Object.keys((await import('@n8n/eslint-plugin-community-nodes')).n8nCommunityNodesPlugin.rules).map((rule) => [
				`@n8n/community-nodes/${rule}`,
				'off',
			]),
			),
		},
	},
];
