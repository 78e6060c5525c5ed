import type { AuditEventType } from '../storage/ports.js';

/** The time source of protocol code, so that expiry and replay tests can fix the clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The random source of protocol code. */
export interface RandomSource {
  /** A fresh secret of `bytes` random bytes, base64url-encoded. */
  token(bytes: number): string;
  /** A fresh random (version 4) UUID. */
  uuid(): string;
}

/** Signs JWTs with the server's current signing key. */
export interface TokenSigner {
  /** A compact JWS of `claims`, with the current key's `kid` and the given `typ` in its header. */
  sign(claims: Record<string, unknown>, typ: 'at+jwt' | 'JWT'): Promise<string>;
}

/** Checks JWTs this server signed: signature with a current or retired key, issuer, type and expiry. */
export interface TokenVerifier {
  /** The claims of a valid access token (`typ: at+jwt`), or undefined for anything else. */
  verifyAccessToken(token: string): Promise<Record<string, unknown> | undefined>;
}

/** What an audit event says; the trail adds its id and time. Never a secret, not even a digest. */
export interface AuditEntry {
  type: AuditEventType;
  clientId?: string | null;
  userId?: string | null;
  /** Who did it when not the client or user: `cli`, `admin:<username>`, `gc`. */
  actor?: string | null;
  ip?: string | null;
  data?: Record<string, unknown>;
}

/**
 * The audit trail: protocol code records what it did; the trail logs it and writes it to the database in the
 * background (batched), so recording never slows or fails a request.
 */
export interface AuditTrail {
  record(entry: AuditEntry): void;
}

/** A trail that records nothing, for code paths and tests that do not audit. */
export const noAudit: AuditTrail = { record: () => {} };
