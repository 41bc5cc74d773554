import type { INodeProperties } from 'n8n-workflow';

/**
 * Fields the credentials of this package share. They hold secrets exchanged with the other side
 * of a webhook, not logins: each opens with a notice saying so (n8n would otherwise offer a
 * connection test that cannot mean anything; see eslint.config.mjs).
 */
export function secretNotice(text: string): INodeProperties {
	return { displayName: text, name: 'notice', type: 'notice', default: '' };
}

/** The notice of a credential a trigger verifies deliveries with. */
export function receivedSecretNotice(partner: string): INodeProperties {
	return secretNotice(
		`A secret shared with ${partner}, not a login: there is no service n8n could test it against. Its format is checked when a trigger listens for a test event and when the workflow is published; a wrong value shows up as refused deliveries (401, in n8n's log).`,
	);
}

/** A secret field, shown as a password. `required: false` for the old value during a rotation. */
export function secretField(field: Pick<INodeProperties, 'displayName' | 'name' | 'description'> & { required?: boolean; placeholder?: string }): INodeProperties {
	const { required = true, ...rest } = field;
	return { ...rest, type: 'string', typeOptions: { password: true }, default: '', ...(required ? { required } : {}) };
}

/** The old secret, still accepted while the sender switches to the new one. */
export function previousSecretField(displayName = 'Previous Secret', name = 'previousSecret', description = 'While rotating: the old secret, still accepted until every sender uses the new one. Leave empty otherwise.'): INodeProperties {
	return secretField({ displayName, name, description, required: false });
}
