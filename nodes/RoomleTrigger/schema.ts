import { z } from 'zod';

export const ROOMLE_EVENTS = [
	'email.savedConfiguration',
	'email.shareConfiguration',
	'email.shareConfigurationAR',
	'email.3DExportAsset',
] as const;

/**
 * Roomle webhook body `{event, data}`: both documented for every event, so both are required;
 * which `data` fields are present depends on the event.
 */
export const RoomleEventSchema = z.looseObject({
	event: z.string().min(1),
	data: z
		.looseObject({
			success: z.boolean().optional(),
			email: z.string().optional(),
			configurationId: z.string().optional(),
			itemId: z.string().optional(),
			configuratorId: z.string().optional(),
			url: z.string().optional(),
			resultUrl: z.string().optional(),
		}),
});
export type RoomleEvent = z.infer<typeof RoomleEventSchema>;
