// Stable codes naming the rule that decided a refund. Consumers match on these, never on the sentence.
export const RefundRules = {
  /** A usage that failed through platform or model error gets its credits back. */
  PLATFORM_ERROR_RESTORED: 'REFUND.PLATFORM_ERROR_RESTORED',
  /** visualgpt: money for the unused credits of the initial, non-promotional payment within the window. */
  INITIAL_PAYMENT_WINDOW: 'REFUND.INITIAL_PAYMENT_WINDOW',
  /** apinfer: money for the unused credits of a purchase within the window. */
  UNUSED_CREDITS_WINDOW: 'REFUND.UNUSED_CREDITS_WINDOW',

  NON_REFUNDABLE: 'REFUND.NON_REFUNDABLE',
  REASON_NOT_COVERED: 'REFUND.REASON_NOT_COVERED',
  NO_RESTORATION: 'REFUND.NO_RESTORATION',
  NOT_A_PLATFORM_ERROR: 'REFUND.NOT_A_PLATFORM_ERROR',
  NOTHING_CHARGED: 'REFUND.NOTHING_CHARGED',
  NOT_INITIAL_PAYMENT: 'REFUND.NOT_INITIAL_PAYMENT',
  PROMOTIONAL: 'REFUND.PROMOTIONAL',
  /** A purchase paid below its list price, where the policy makes discounted purchases final. */
  DISCOUNTED: 'REFUND.DISCOUNTED',
  OUTSIDE_WINDOW: 'REFUND.OUTSIDE_WINDOW',
  NOTHING_UNUSED: 'REFUND.NOTHING_UNUSED',
  DUPLICATE: 'REFUND.DUPLICATE',
  /** After an approval: the wallet refused the claw-back (credits used before it applied); the refund is voided. */
  CREDITS_USED_BEFORE_CLAWBACK: 'REFUND.CREDITS_USED_BEFORE_CLAWBACK',
} as const;

export type RefundRule = (typeof RefundRules)[keyof typeof RefundRules];
