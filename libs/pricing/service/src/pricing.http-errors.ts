// How pricing's refusals answer over HTTP: every one names a feature, option or quantity the catalog
// does not offer, so the request is malformed (400).
import { ErrorStatusTable } from '@creditflow/shell';

export const PRICING_ERROR_STATUS: ErrorStatusTable = { 'PRICING.*': 400 };
