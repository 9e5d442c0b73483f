import { DomainError } from '@creditflow/kernel';

export class SubscriptionNotFoundError extends DomainError {
  constructor(accountId: string) {
    super('SCHEDULER.SUBSCRIPTION_NOT_FOUND', `account "${accountId}" has no subscription to cancel`, { accountId });
  }
}

export class InvalidPlanError extends DomainError {
  constructor(planId: string, reason: string) {
    super('SCHEDULER.INVALID_PLAN', `plan "${planId}" ${reason}`, { planId });
  }
}

export class InvalidTimeError extends DomainError {
  constructor() {
    super('SCHEDULER.INVALID_TIME', 'the command carries no valid time (`now`)');
  }
}
