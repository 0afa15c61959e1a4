import type { z } from "zod";
import { platformErrors } from "../platform/errors.ts";
import type { Envelope } from "./envelope.ts";

/**
 * A message type at one schema version. The topic defaults to the type's name; a published
 * version is never edited, a change is a new version.
 */
export interface Contract<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly kind: "event" | "command" | "reply";
  readonly schema: S;
  readonly description: string;
}

const registry = new Map<string, Contract>();

export function defineContract<S extends z.ZodType>(spec: {
  type: string;
  version?: number;
  topic?: string;
  kind: "event" | "command" | "reply";
  schema: S;
  description: string;
}): Contract<S> {
  const contract: Contract<S> = {
    type: spec.type,
    version: spec.version ?? 1,
    topic: spec.topic ?? spec.type,
    kind: spec.kind,
    schema: spec.schema,
    description: spec.description,
  };
  const id = `${contract.type}@${contract.version}`;
  if (registry.has(id)) throw new Error(`contract ${id} defined twice`);
  registry.set(id, contract);
  return contract;
}

export function findContract(type: string, version: number): Contract | undefined {
  return registry.get(`${type}@${version}`);
}

export function allContracts(): Contract[] {
  return [...registry.values()];
}

/**
 * Checks a payload against its contract; used on send and on receive. An envelope with no
 * registered contract is refused too: every message type must be declared.
 */
export function checkPayload<P>(envelope: Envelope<P>): Envelope<P> {
  const contract = findContract(envelope.type, envelope.version);
  if (!contract) {
    throw platformErrors.CONTRACT_VIOLATION({
      message: `no contract for ${envelope.type}@${envelope.version}`,
    });
  }
  const result = contract.schema.safeParse(envelope.payload);
  if (!result.success) {
    throw platformErrors.CONTRACT_VIOLATION({
      message: `${envelope.type}@${envelope.version}: payload does not match its contract`,
      details: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return { ...envelope, payload: result.data as P };
}
