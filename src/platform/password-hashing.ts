import { hash, verify } from "@node-rs/argon2";

/** @node-rs/argon2 exports Algorithm as a const enum; its Argon2id member is 2. */
const ARGON2ID = 2;

export interface HashCost {
  readonly memoryKiB: number;
  readonly iterations: number;
}

/**
 * argon2id (OWASP: m=19456 KiB, t=2, p=1) on libuv's thread pool, so the event loop keeps
 * serving while a hash runs.
 */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: HashCost) {}

  hash(password: string): Promise<string> {
    return hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.cost.memoryKiB,
      timeCost: this.cost.iterations,
      parallelism: 1,
    });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same work as a real check and fails: used for unknown emails, so an answer's
   * timing does not reveal whether an account exists.
   */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= this.hash(`ledgerline-dummy-${Math.random()}`);
    await this.verify(await this.dummy, password);
    return false;
  }
}
