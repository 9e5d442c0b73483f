// How the wallet's refusals answer over HTTP. Codes not named here are refused business rules (422).
import { ErrorAnswer, ErrorStatusTable } from '@creditflow/shell';
import type { UsageResponse } from '@creditflow/wallet-application';

export const WALLET_ERROR_STATUS: ErrorStatusTable = {
  'WALLET.ACCOUNT_NOT_FOUND': 404,
  'WALLET.USAGE_NOT_FOUND': 404,
  'WALLET.ID_REUSED': 409,
  'WALLET.INSUFFICIENT_CREDITS': 402,
  'WALLET.INVALID_AMOUNT': 400,
  'WALLET.UNKNOWN_PACKAGE': 400,
  'WALLET.INVALID_CURRENCY': 400,
  'WEBHOOK.DELIVERY_NOT_FOUND': 404,
  'WEBHOOK.INVALID_QUERY': 400,
  'WEBHOOK.NOT_FOUND': 404,
  'WEBHOOK.DEFINED_IN_FILE': 409,
  'WEBHOOK.TARGET_REFUSED': 422,
  // Authorize prices in-process with the pricing domain, so its refusals (malformed requests) cross this edge too.
  'PRICING.*': 400,
};

/** The 402 of authorize and accept: the denial as the wallet recorded it (credits, or the member's spending limit), fields beside `error`. */
/** A rate limit's denial is a 429 (`rate_limited`, with `retryAt`); every other denial a 402. */
export class UsageDeniedAnswer extends ErrorAnswer {
  constructor(body: Extract<UsageResponse, { error: string }>) {
    super(body.error === 'rate_limited' ? 429 : 402, body);
  }
}
