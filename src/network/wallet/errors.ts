/** A hotkey file that cannot be read or written; messages name the file, never a secret. */
export class WalletError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WalletError';
  }
}
