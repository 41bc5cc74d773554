import type { IDisplayOptions, INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import type { ConfiguredHmac } from '../configuredHmac';
import type { HmacAlgorithm, HmacScheme, SignatureEncoding, SignedContent } from '../hmac';

/**
 * SYNCHUB "uses the secret to hash an HTTP header" but has not published the header name,
 * algorithm, encoding or signed string. These fields default to a guess at it: HMAC-SHA256 of
 * the raw body, hex, in `x-synchub-signature`. Send Webhook's HMAC fields share the defaults;
 * n8n leaves a default out of a saved workflow, so changing one changes saved workflows.
 */
export const SYNCHUB_DEFAULT_SCHEME: HmacScheme = { algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body' };
export const SYNCHUB_DEFAULT_HEADER = 'x-synchub-signature';

/** The header names a node suggests; SYNCHUB's unless a node names its own. */
export interface HmacHeaderDefaults {
	signatureHeader: string;
	timestampHeaderPlaceholder: string;
}

const SYNCHUB_HEADER_DEFAULTS: HmacHeaderDefaults = { signatureHeader: SYNCHUB_DEFAULT_HEADER, timestampHeaderPlaceholder: 'x-synchub-timestamp' };

/**
 * The HMAC scheme fields, shared by the SYNCHUB Trigger and the Signed Webhook Trigger (verify)
 * and Send Webhook (sign) so that all speak the same scheme with the same names and defaults.
 * Only the suggested header names differ per node; the other defaults are SYNCHUB_DEFAULT_SCHEME's. n8n saves only values that differ from a
 * default, so a node's defaults must never change once it is published.
 */
export function hmacSchemeProperties(
	displayOptions: IDisplayOptions,
	timestampDescription: string,
	{ signatureHeader, timestampHeaderPlaceholder }: HmacHeaderDefaults = SYNCHUB_HEADER_DEFAULTS,
): INodeProperties[] {
	const fields: INodeProperties[] = [
		{ displayName: 'Signature Header', name: 'signatureHeader', type: 'string', default: signatureHeader },
		{
			displayName: 'Algorithm',
			name: 'algorithm',
			type: 'options',
			options: [{ name: 'SHA-1', value: 'sha1' }, { name: 'SHA-256', value: 'sha256' }, { name: 'SHA-512', value: 'sha512' }],
			default: 'sha256',
		},
		{
			displayName: 'Encoding',
			name: 'encoding',
			type: 'options',
			options: [{ name: 'Hex', value: 'hex' }, { name: 'Base64', value: 'base64' }],
			default: 'hex',
		},
		{
			displayName: 'Signature Prefix',
			name: 'signaturePrefix',
			type: 'string',
			default: '',
			placeholder: 'sha256=',
			description: 'Text before the digest in the header, if any',
		},
		{
			displayName: 'Signed Content',
			name: 'signedContent',
			type: 'options',
			options: [{ name: 'Raw Body', value: 'body' }, { name: 'Timestamp + "." + Raw Body', value: 'timestamp.body' }],
			default: 'body',
		},
		{
			displayName: 'Timestamp Header',
			name: 'timestampHeader',
			type: 'string',
			default: '',
			placeholder: timestampHeaderPlaceholder,
			description: timestampDescription,
		},
	];
	return fields.map((field) => ({ ...field, displayOptions }));
}

/** What a trigger's HMAC fields hold ({@link hmacSchemeProperties}), for verifyConfiguredHmac. */
export function readHmacFields(ctx: IWebhookFunctions): Pick<ConfiguredHmac, 'signatureHeader' | 'timestampHeader' | 'scheme'> {
	return {
		signatureHeader: ctx.getNodeParameter('signatureHeader') as string,
		timestampHeader: (ctx.getNodeParameter('timestampHeader', '') as string).trim() || undefined,
		scheme: {
			algorithm: ctx.getNodeParameter('algorithm') as HmacAlgorithm,
			encoding: ctx.getNodeParameter('encoding') as SignatureEncoding,
			prefix: ctx.getNodeParameter('signaturePrefix', '') as string,
			signedContent: ctx.getNodeParameter('signedContent') as SignedContent,
		},
	};
}
