// Domain errors carry a stable code (e.g. WALLET.INSUFFICIENT_CREDITS). The edges map codes to HTTP
// statuses, Kafka decisions or the DLQ; nothing matches on message text.
export class DomainError extends Error {
  constructor(readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
  }
}
