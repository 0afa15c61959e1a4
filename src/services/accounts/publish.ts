import { credentialsChanged, userChanged, userRegistered } from "../../contracts/accounts/index.ts";
import { sendEmail } from "../../contracts/mailer/send-email.ts";
import type { Envelope } from "../../messaging/envelope.ts";
import type { Tx } from "../../runtime/service-context.ts";
import type { AccountEvent } from "./domain/user.ts";

/** Writes a decision's events to the outbox, in order: user events keyed by user id, mail by recipient. */
export function publish(tx: Tx, events: readonly AccountEvent[], cause?: Envelope): void {
  for (const event of events) {
    switch (event.type) {
      case "user.registered":
        tx.emit(userRegistered, event.payload.userId, event.payload, cause);
        break;
      case "user.changed":
        tx.emit(userChanged, event.payload.id, event.payload, cause);
        break;
      case "user-credentials.changed":
        tx.emit(credentialsChanged, event.payload.userId, event.payload, cause);
        break;
      case "send-email":
        tx.emit(sendEmail, event.payload.to, event.payload, cause);
        break;
    }
  }
}
