import { createInterface } from "node:readline";

/** The terminal side of a prompt: what `process.stdin` is when it is a TTY. */
export interface PromptInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Thrown when the prompt ends without a password: Ctrl-C, Ctrl-D, or standard input closed. */
export class NoPasswordError extends Error {}

/**
 * Reads a password. On a terminal, after `question`, in raw mode so that nothing typed is
 * echoed (Backspace deletes, Enter ends, Ctrl-C and Ctrl-D give up); from a pipe, its first
 * line, without a prompt. Leading and trailing spaces are kept: they are part of a password.
 */
export async function readPassword(
  question: string,
  input: PromptInput = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return firstLine(input);
  const setRawMode = input.setRawMode.bind(input);
  output.write(question);
  setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    const finish = (outcome: () => void) => {
      input.off("data", onData);
      input.off("end", onEnd);
      setRawMode(false);
      input.pause();
      output.write("\n");
      outcome();
    };
    const onEnd = () => finish(() => reject(new NoPasswordError("no password was typed")));
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return finish(() => resolve(typed.join("")));
        if (ch === "\u0003" || ch === "\u0004") return onEnd();
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch >= " ") typed.push(ch);
      }
    };
    input.on("data", onData);
    input.on("end", onEnd);
  });
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
  } finally {
    lines.close();
  }
  throw new NoPasswordError("standard input ended before a password");
}
