// The account's state as plain data, for snapshots (the command handler stores one every so many
// events, so a cold load folds only the tail). WALLET_STATE_VERSION names the shape of the state and
// the meaning of evolve: bump it when either changes, and snapshots of another version are ignored
// (the state is folded from the stream again and a new snapshot is taken).
import { Credits, PersistentMap, PersistentSet } from '@creditflow/kernel';
import { AllowanceUse } from './allowances';
import { Lot, MemberMonth, Usage, WalletState, countedFigures } from './wallet.state';

// 4: closed usages retire (closedUsages, closedSeq, retiredUsages, closedUsagesKept).
export const WALLET_STATE_VERSION = 'wallet-state-4';

type Entries<V> = [string, V][];

type SetsAndMaps = 'lots' | 'usages' | 'closedUsages' | 'openHolds' | 'restorations' | 'rollovers' | 'clawBacks' | 'logins' | 'memberLimits' | 'memberSpending' | 'spendingByDay' | 'allowanceUses' | 'rateLimitUses';
/** Kept by evolve and computed again from the lots and holds on restore: a snapshot need not hold them (older ones do not). */
type Figures = 'available' | 'held' | 'firstHoldExpiry';
const FIGURES: Figures[] = ['available', 'held', 'firstHoldExpiry'];

export interface WalletSnapshot extends Omit<WalletState, SetsAndMaps | Figures> {
  lots: Entries<Lot>;
  usages: Entries<Usage>;
  closedUsages: Entries<string>;
  openHolds: string[];
  restorations: string[];
  rollovers: string[];
  clawBacks: Entries<{ lotId: string; amount: Credits; applied: boolean }>;
  logins: Entries<string>;
  memberLimits: Entries<Credits>;
  memberSpending: Entries<MemberMonth>;
  spendingByDay: Entries<Credits>;
  allowanceUses: Entries<readonly AllowanceUse[]>;
  rateLimitUses: Entries<readonly number[]>;
}

export function walletSnapshot(state: WalletState): WalletSnapshot {
  const rest: Partial<WalletState> = { ...state };
  for (const figure of FIGURES) delete rest[figure];
  return {
    ...(rest as Omit<WalletState, Figures>),
    lots: [...state.lots],
    usages: [...state.usages],
    closedUsages: [...state.closedUsages],
    openHolds: [...state.openHolds],
    restorations: [...state.restorations],
    rollovers: [...state.rollovers],
    clawBacks: [...state.clawBacks],
    logins: [...state.logins],
    memberLimits: [...state.memberLimits],
    memberSpending: [...state.memberSpending],
    spendingByDay: [...state.spendingByDay],
    allowanceUses: [...state.allowanceUses],
    rateLimitUses: [...state.rateLimitUses],
  };
}

export function walletFromSnapshot(snapshot: WalletSnapshot): WalletState {
  const restored = {
    ...(snapshot as WalletSnapshot & Partial<Record<Figures, unknown>>),
    lots: new Map(snapshot.lots),
    usages: PersistentMap.from(snapshot.usages),
    closedUsages: PersistentMap.from(snapshot.closedUsages),
    openHolds: PersistentSet.from(snapshot.openHolds),
    restorations: new Set(snapshot.restorations),
    rollovers: new Set(snapshot.rollovers),
    clawBacks: new Map(snapshot.clawBacks),
    logins: PersistentMap.from(snapshot.logins),
    memberLimits: new Map(snapshot.memberLimits),
    memberSpending: new Map(snapshot.memberSpending),
    spendingByDay: new Map(snapshot.spendingByDay),
    allowanceUses: new Map(snapshot.allowanceUses),
    rateLimitUses: new Map(snapshot.rateLimitUses),
  };
  return { ...restored, ...countedFigures(restored) };
}
