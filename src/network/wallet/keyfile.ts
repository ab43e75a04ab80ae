/**
 * bittensor's hotkey file: JSON with `accountId`, `publicKey`, `privateKey`, `secretPhrase`,
 * `secretSeed`, `ss58Address` (hex values `0x`-prefixed), as `serialized_keypair_to_keyfile_data`
 * writes it. Files that start with `$NACL` are password-encrypted (see nacl.ts; the caller decrypts
 * them before parsing); the legacy `$ANSIBLE_VAULT` and Fernet `gAAAAA` forms are refused.
 */
import { WalletError } from './errors.js';
import { fromHex, materialFromMnemonic, materialFromPrivateKey, materialFromSeed, toHex, type KeyMaterial } from './keypair.js';

export { WalletError };

const ENCRYPTED_PREFIXES = ['$NACL', '$ANSIBLE_VAULT', 'gAAAAA'];

export function isEncrypted(data: string): boolean {
  return ENCRYPTED_PREFIXES.some((p) => data.startsWith(p));
}

/** The file's text, byte for byte as Python's `json.dumps` writes it. */
export function serializeKeyfile(m: KeyMaterial): string {
  const pub = toHex(m.hotkey.publicKey);
  return JSON.stringify({
    accountId: pub,
    publicKey: pub,
    privateKey: toHex(m.privateKey),
    secretPhrase: m.mnemonic ?? null,
    secretSeed: m.miniSecret ? toHex(m.miniSecret) : null,
    ss58Address: m.hotkey.ss58,
  })
    .replaceAll('","', '", "')
    .replaceAll('":', '": ')
    .replaceAll(',"', ', "');
}

/**
 * Reads a hotkey from a file's text: `secretSeed`, else `secretPhrase`, else `privateKey` with
 * `publicKey`. Messages name the file and the field, never a secret.
 */
export function parseKeyfile(data: string, file: string): KeyMaterial {
  if (data.startsWith('$NACL')) throw new WalletError(`${file} is password-encrypted ($NACL) and must be decrypted before it is parsed`);
  if (isEncrypted(data)) {
    throw new WalletError(`${file} is password-encrypted with bittensor's legacy Ansible Vault or Fernet scheme, which Polymath does not read: re-encrypt it with a current bittensor (NaCl) or regenerate the hotkey`);
  }
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    json = parsed as Record<string, unknown>;
  } catch {
    // JSON.parse's message quotes the text, which holds the secret: say only where.
    throw new WalletError(`${file} is not a bittensor hotkey file (not a JSON object)`);
  }
  let m: KeyMaterial;
  try {
    if (json.secretSeed != null) m = materialFromSeed(fromHex(json.secretSeed, 32, 'secretSeed'), typeof json.secretPhrase === 'string' ? json.secretPhrase : undefined);
    else if (json.secretPhrase != null) {
      if (typeof json.secretPhrase !== 'string') throw new Error('secretPhrase is not a string');
      m = materialFromMnemonic(json.secretPhrase);
    } else if (json.privateKey != null) {
      m = materialFromPrivateKey(fromHex(json.privateKey, 64, 'privateKey'), fromHex(json.publicKey, 32, 'publicKey'));
    } else throw new Error('it has no secretSeed, secretPhrase or privateKey (a public-only key cannot sign)');
  } catch (err) {
    throw new WalletError(`${file}: ${(err as Error).message}`);
  }
  if (typeof json.ss58Address === 'string' && json.ss58Address !== m.hotkey.ss58) {
    throw new WalletError(`${file}: its secret belongs to ${m.hotkey.ss58}, not to the ss58Address it records (${json.ss58Address})`);
  }
  return m;
}
