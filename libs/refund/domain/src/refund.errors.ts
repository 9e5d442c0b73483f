// Errors for requests no policy can judge: malformed, or naming a purchase or usage the wallet does not
// know (yet: a refund request may overtake its purchase on the bus, so these are worth a retry).
import { DomainError } from '@creditflow/kernel';

export class InvalidRefundRequestError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('REFUND.INVALID_REQUEST', message, details);
  }
}

export class RefundSubjectNotFoundError extends DomainError {
  constructor(kind: 'purchase' | 'usage', id: string) {
    super(kind === 'purchase' ? 'REFUND.PURCHASE_NOT_FOUND' : 'REFUND.USAGE_NOT_FOUND', `${kind} "${id}" is not known on this account`, { [`${kind}Id`]: id });
  }
}
