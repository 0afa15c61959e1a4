import kafkajs, { type LogEntry, type logCreator } from "kafkajs";
import type { Logger } from "../../platform/logger.ts";

// KafkaJS is CommonJS and spreads part of its exports, which Node cannot name from ESM.
const { logLevel } = kafkajs;

/**
 * Messages KafkaJS logs as errors or warnings that are part of normal operation: a member
 * learning that its group rebalances (every join and leave), and a topic that has just been
 * auto-created and has no leader yet.
 */
const routine = [/group is rebalancing/i, /There is no leader for this topic-partition/i];

/** KafkaJS's own log lines into our pino logger, at warn and above; routine noise as debug. */
export function kafkaLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const line = { kafkajs: namespace, ...fields };
      const text = `${message} ${typeof fields.error === "string" ? fields.error : ""}`;
      if (routine.some((pattern) => pattern.test(text))) {
        log.debug(line, message);
      } else if (level === logLevel.ERROR) {
        log.error(line, message);
      } else if (level === logLevel.WARN) {
        log.warn(line, message);
      } else {
        log.debug(line, message);
      }
    };
}
