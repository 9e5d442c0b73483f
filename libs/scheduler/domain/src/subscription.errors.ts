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

/** A subscription names one of the tenant's plans. */
export class UnknownPlanError extends DomainError {
  constructor(planId: string, allowed: string[]) {
    super('SCHEDULER.UNKNOWN_PLAN', `unknown plan "${planId}"`, { allowed });
  }
}

/** A custom plan's allocation is agreed per contract: the request must carry it. */
export class CustomAllocationRequiredError extends DomainError {
  constructor(planId: string) {
    super('SCHEDULER.CUSTOM_PLAN', `plan "${planId}" has a custom allocation agreed per contract: give its monthlyCredits and rolloverCap`);
  }
}

/** A plan with fixed credits takes no allocation from the request. */
export class FixedAllocationError extends DomainError {
  constructor(planId: string) {
    super('SCHEDULER.INVALID_REQUEST', `plan "${planId}" has fixed credits; monthlyCredits and rolloverCap are only for custom plans`);
  }
}

/** A yearly subscription only to a plan with a yearly price. */
export class BillingPeriodUnavailableError extends DomainError {
  constructor(planId: string, prices: string[]) {
    super('SCHEDULER.BILLING_PERIOD_UNAVAILABLE', `plan "${planId}" is not sold yearly`, { prices });
  }
}
