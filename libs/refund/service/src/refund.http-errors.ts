// How the refund service's refusals answer over HTTP. Codes not named here are refused business rules (422).
import { ErrorStatusTable } from '@creditflow/shell';

export const REFUND_ERROR_STATUS: ErrorStatusTable = {
  'REFUND.INVALID_REQUEST': 400,
  'REFUND.ACCOUNT_NOT_FOUND': 404,
  'REFUND.PURCHASE_NOT_FOUND': 404,
  'REFUND.USAGE_NOT_FOUND': 404,
  'REFUND.ID_REUSED': 409,
};
