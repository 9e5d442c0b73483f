import { DomainError } from '@creditflow/kernel';

export class AccountNotFoundError extends DomainError {
  constructor(accountId: string) {
    super('WALLET.ACCOUNT_NOT_FOUND', `account "${accountId}" does not exist`);
  }
}

export class UsageNotFoundError extends DomainError {
  constructor(usageId: string) {
    super('WALLET.USAGE_NOT_FOUND', `usage "${usageId}" was never authorized on this account`);
  }
}

/**
 * The usage is not in the account's hot state and may have left it (closed usages retire: see
 * `closedUsagesKept`): the application finds its record in the account's history and decides again
 * with it (WalletAccounts). A refusal so that nothing is appended; it never reaches a caller.
 */
export class UsageRecallNeededError extends DomainError {
  constructor(readonly usageId: string) {
    super('WALLET.USAGE_RECALL_NEEDED', `usage "${usageId}" has left the hot state: its record must be recalled from the account's history`, { usageId });
  }
}

/** A usage command that its current state does not allow (e.g. complete after fail). */
export class UsageStateError extends DomainError {
  constructor(usageId: string, status: string, action: string) {
    super('WALLET.USAGE_STATE', `usage "${usageId}" is ${status} and cannot be ${action}`, { usageId, status });
  }
}

/** The same command id was used before with different content. */
export class IdempotencyConflictError extends DomainError {
  constructor(id: string) {
    super('WALLET.ID_REUSED', `id "${id}" was already used for a different request`, { id });
  }
}

export class NotAMemberError extends DomainError {
  constructor(userId: string | null) {
    super('WALLET.NOT_A_MEMBER', userId ? `user "${userId}" is not a member of this team account` : 'a team account needs the userId of a member', { userId });
  }
}

export class TransferRefusedError extends DomainError {
  constructor() {
    super('WALLET.TRANSFER_REFUSED', 'credits cannot be transferred between accounts; a team account shares one balance among its members');
  }
}

/** A reward grant of nothing is a mistake, not a no-op. */
export class ZeroGrantError extends DomainError {
  constructor() {
    super('WALLET.INVALID_AMOUNT', 'amount must be greater than 0');
  }
}

/** A purchase names one of the packages the tenant sells. */
export class UnknownPackageError extends DomainError {
  constructor(packageId: string, allowed: string[]) {
    super('WALLET.UNKNOWN_PACKAGE', `unknown package "${packageId}"`, { allowed });
  }
}

/** A purchase is paid in the currency the tenant sells in. */
export class CurrencyMismatchError extends DomainError {
  constructor(tenantId: string, sellsIn: string, paidIn: string) {
    super('WALLET.INVALID_CURRENCY', `${tenantId} sells in ${sellsIn}, not ${paidIn}`);
  }
}

/** Spending limits are per member of a team account. */
export class NotATeamError extends DomainError {
  constructor(accountId: string) {
    super('WALLET.NOT_A_TEAM', `account "${accountId}" is personal: member spending limits apply to team accounts`, { accountId });
  }
}

/** A team account may not grow beyond its plan's member cap. */
export class MemberLimitError extends DomainError {
  constructor(members: number, maxMembers: number, planId: string | null) {
    super(
      'WALLET.MEMBER_LIMIT',
      planId
        ? `plan "${planId}" allows at most ${maxMembers} member${maxMembers === 1 ? '' : 's'}; ${members} requested`
        : `a team account without a plan allows at most ${maxMembers} member${maxMembers === 1 ? '' : 's'}; ${members} requested`,
      { members, maxMembers, planId },
    );
  }
}

/**
 * A purchase paid another amount than its package's list price without saying why (a promotion, a
 * discount code or a custom contract), or a promotion or discount code that would make it dearer.
 */
export class PriceMismatchError extends DomainError {
  constructor(message: string, details: { packageId: string; listPrice: { amount: string; currency: string }; amountPaid: { amount: string; currency: string } }) {
    super('WALLET.PRICE_MISMATCH', message, details);
  }
}

/** Automatic top-up switched on for an account with no threshold or package of its own or of the tenant. */
export class AutoTopUpIncompleteError extends DomainError {
  constructor(missing: ('threshold' | 'packageId')[]) {
    super('WALLET.AUTO_TOP_UP_INCOMPLETE', `automatic top-up needs a ${missing.join(' and a ')}: the tenant has no default to use`, { missing });
  }
}
