import { z } from 'zod';

/** The actions of SynthesisVR's documented session webhook. */
const SESSION_ACTIONS = ['create', 'delete'];
const SESSION_FIELDS = ['location', 'stations', 'customerid'] as const;

/**
 * One SynthesisVR session event. The session webhook documents uuid, action, location, stations
 * and customerid, so a create/delete event without one is refused. SynthesisVR says "more webhook
 * options will come": an unknown `action` needs only uuid (a node filter can still drop it), and
 * unknown fields are kept. customerid may be null (a session without a customer profile).
 */
export const SynthesisVrEventSchema = z
	.looseObject({
		uuid: z.string().min(1),
		action: z.string().min(1),
		location: z.string().optional(),
		stations: z.number().int().nonnegative().optional(),
		customerid: z.union([z.number(), z.string(), z.null()]).optional(),
	})
	.superRefine((event, ctx) => {
		if (!SESSION_ACTIONS.includes(event.action)) return;
		for (const field of SESSION_FIELDS) {
			if (event[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for ${event.action} events` });
		}
	});
export type SynthesisVrEvent = z.infer<typeof SynthesisVrEventSchema>;
