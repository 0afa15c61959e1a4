import type { ServiceName } from "../platform/config.ts";
import type { ServiceDefinition } from "../runtime/platform.ts";
import { accountsService } from "./accounts/service.ts";
import { activationService } from "./activation/service.ts";
import { lockoutService } from "./lockout/service.ts";
import { loginService } from "./login/service.ts";
import { mailerService } from "./mailer/service.ts";
import { passwordService } from "./password/service.ts";
import { invoicingService } from "./invoicing/service.ts";
import { scoringService } from "./scoring/service.ts";

/** Every business service, in start order: consumers are subscribed before the gateway opens. */
export const allServices: readonly ServiceDefinition[] = [
  mailerService,
  accountsService,
  activationService,
  loginService,
  lockoutService,
  passwordService,
  invoicingService,
  scoringService,
];

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
