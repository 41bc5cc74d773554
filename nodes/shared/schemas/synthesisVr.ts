import { z } from 'zod';

/**
 * One SynthesisVR session event. SynthesisVR says "more webhook options will come": unknown
 * fields are kept and an unknown `action` is accepted (a node filter can still drop it).
 */
export const SynthesisVrEventSchema = z.looseObject({
	uuid: z.string().min(1),
	action: z.string().min(1),
	location: z.string().optional(),
	stations: z.number().int().nonnegative().optional(),
	customerid: z.union([z.number(), z.string()]).optional(),
});
export type SynthesisVrEvent = z.infer<typeof SynthesisVrEventSchema>;
