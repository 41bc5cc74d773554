import { z } from 'zod';

/** ApiRTC / Apizee webhook body: `{event, time, object, objectId, props}`, all documented, so all required; props typed per object. */
const base = {
	event: z.enum(['create', 'update', 'delete']),
	time: z.number().int().nonnegative(),
	objectId: z.union([z.number().int(), z.string().min(1)]),
};

const ApiRtcTicketPropsSchema = z.looseObject({
	state: z.string().optional(),
	geoloc: z.looseObject({ lat: z.number().optional(), lng: z.number().optional() }).optional(),
});
const ApiRtcMediaPropsSchema = z.looseObject({
	state: z.string().optional(),
	_parent: z.looseObject({ name: z.string().optional(), id: z.union([z.number(), z.string()]).optional() }).optional(),
});
const ApiRtcConversationPropsSchema = z.looseObject({
	eventType: z.string().optional(),
	name: z.string().optional(),
	finishedAt: z.string().optional(),
});

export const ApiRtcEventSchema = z.discriminatedUnion('object', [
	z.looseObject({ ...base, object: z.literal('ticket'), props: ApiRtcTicketPropsSchema }),
	z.looseObject({ ...base, object: z.literal('media'), props: ApiRtcMediaPropsSchema }),
	z.looseObject({ ...base, object: z.literal('conversation'), props: ApiRtcConversationPropsSchema }),
	// Listed in newer ApiRTC docs without a props description: accepted, props kept as sent.
	z.looseObject({ ...base, object: z.literal('smsmessage'), props: z.record(z.string(), z.unknown()) }),
]);
export type ApiRtcEvent = z.infer<typeof ApiRtcEventSchema>;

export const APIRTC_OBJECTS = ['ticket', 'media', 'conversation', 'smsmessage'] as const;
