import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsISO8601, IsOptional, Matches, ValidateIf } from 'class-validator';
import { DECIMAL, DECIMAL_MESSAGE, ID, ID_MESSAGE } from '../fields';

/** PUT /v1/accounts/{accountId}. */
export class AccountBody {
  @IsIn(['personal', 'team']) type!: 'personal' | 'team';
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @Matches(ID, { each: true, message: `members ${ID_MESSAGE}` }) members?: string[];
}

/** POST /v1/accounts/{accountId}/grants (admin). */
export class GrantBody {
  @Matches(ID, { message: `grantId ${ID_MESSAGE}` }) grantId!: string;
  @IsIn(['reward']) type!: 'reward';
  @Matches(DECIMAL, { message: `amount ${DECIMAL_MESSAGE}` }) amount!: string;
  @IsOptional() @IsISO8601({ strict: true }) expiresAt?: string;
}

/** POST /v1/accounts/{accountId}/logins. */
export class LoginBody {
  @Matches(ID, { message: `loginId ${ID_MESSAGE}` }) loginId!: string;
}

/** Transfers are refused; the body is accepted only to answer with a clear error. */
export class TransferBody {
  @Matches(ID, { message: `toAccountId ${ID_MESSAGE}` }) toAccountId!: string;
  @Matches(DECIMAL, { message: `amount ${DECIMAL_MESSAGE}` }) amount!: string;
}

/** PUT /v1/accounts/{accountId}/members/{userId}/spending-limit (admin): credits a month, or null for none. */
export class MemberSpendingLimitBody {
  @ValidateIf((o: MemberSpendingLimitBody) => o.monthlyCredits !== null)
  @Matches(DECIMAL, { message: `monthlyCredits ${DECIMAL_MESSAGE}, or null for no limit` })
  monthlyCredits!: string | null;
}

/**
 * PUT /v1/accounts/{accountId}/auto-top-up (admin): the account's own automatic top-up. `threshold`
 * and `packageId` left out are the tenant's; `enabled: false` switches it off for this account.
 */
export class AutoTopUpBody {
  @IsBoolean() enabled!: boolean;
  @IsOptional() @Matches(DECIMAL, { message: `threshold ${DECIMAL_MESSAGE}` }) threshold?: string;
  @IsOptional() @Matches(ID, { message: `packageId ${ID_MESSAGE}` }) packageId?: string;
}
