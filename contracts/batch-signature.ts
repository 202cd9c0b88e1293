import { createHash } from 'node:crypto';

/**
 * What a node signs for a batch (Ed25519, signature in the `X-Brx-Signature` header, base64):
 *
 *     brx-batch-v1 LF <dataset code> LF <lower-case hex SHA-256 of the exact request body bytes>
 *
 * The digest covers the body byte for byte (no re-encoding to disagree about), and the dataset
 * code binds the signature to the dataset it was sent to. The exchange keeps the body, so the
 * signature can be checked again years later. Shared by nodes (adapters/) and the exchange.
 */
export const batchSignatureHeader = 'x-brx-signature';

export function bodyDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function batchSigningMessage(datasetCode: string, body: Uint8Array): Buffer {
  return Buffer.from(`brx-batch-v1\n${datasetCode}\n${bodyDigest(body)}`, 'utf8');
}
