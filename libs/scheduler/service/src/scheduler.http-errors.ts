// How the scheduler's refusals answer over HTTP. Codes not named here are refused business rules (422).
import { ErrorStatusTable } from '@creditflow/shell';

export const SCHEDULER_ERROR_STATUS: ErrorStatusTable = {
  'SCHEDULER.SUBSCRIPTION_NOT_FOUND': 404,
  'SCHEDULER.UNKNOWN_PLAN': 400,
  'SCHEDULER.INVALID_REQUEST': 400,
};
