import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * `plain` encrypted with AES-256-GCM: a random 12-byte IV, the 16-byte tag, then the ciphertext.
 * @param key 32 bytes.
 */
export function seal(plain: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/**
 * The plaintext of data made by {@link seal}.
 * @throws when the key is wrong or the data was altered (GCM authentication fails).
 */
export function unseal(data: Buffer, key: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(12, 28));
  return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]);
}
