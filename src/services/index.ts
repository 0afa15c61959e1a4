import type { ServiceName } from "../platform/config.ts";
import type { ServiceDefinition } from "../runtime/platform.ts";

/** Every business service, in start order (producers of user events before their consumers). */
export const allServices: readonly ServiceDefinition[] = [];

export function servicesNamed(names: readonly string[]): ServiceDefinition[] {
  return names.map((name) => {
    const service = allServices.find((s) => s.name === name);
    if (!service) {
      const known = ["gateway", ...allServices.map((s) => s.name)].join(", ");
      throw new Error(`unknown service "${name}" (known: ${known})`);
    }
    return service;
  });
}

export type { ServiceName };
