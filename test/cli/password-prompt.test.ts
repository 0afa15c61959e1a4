import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { NoPasswordError, readPassword } from "../../src/cli/password-prompt.ts";

/** A stand-in terminal (a unit test's double): a stream with isTTY and a recorded raw mode. */
function terminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    modes: [] as boolean[],
    setRawMode(mode: boolean) {
      this.modes.push(mode);
      return this;
    },
  });
  const output = new PassThrough();
  let shown = "";
  output.on("data", (chunk: Buffer) => (shown += chunk.toString()));
  return { input, output, shown: () => shown };
}

describe("readPassword", () => {
  it("on a terminal, echoes nothing typed, honours Backspace, and leaves raw mode", async () => {
    const t = terminal();
    const read = readPassword("Password: ", t.input, t.output);
    t.input.write("hunter");
    t.input.write("x\u007f 2 \r");
    expect(await read).toBe("hunter 2 ");
    expect(t.shown()).toBe("Password: \n");
    expect(t.input.modes).toEqual([true, false]);
  });

  it("on a terminal, gives up on Ctrl-C and on Ctrl-D", async () => {
    for (const key of ["\u0003", "\u0004"]) {
      const t = terminal();
      const read = readPassword("Password: ", t.input, t.output);
      t.input.write(`half${key}`);
      await expect(read).rejects.toBeInstanceOf(NoPasswordError);
      expect(t.input.modes).toEqual([true, false]);
    }
  });

  it("from a pipe, takes the first line as it is, and refuses an input that ends first", async () => {
    const piped = new PassThrough();
    const read = readPassword("Password: ", piped, new PassThrough());
    piped.end("  spaced out  \r\nsecond line\n");
    expect(await read).toBe("  spaced out  ");
    const empty = new PassThrough();
    const none = readPassword("Password: ", empty, new PassThrough());
    empty.end();
    await expect(none).rejects.toBeInstanceOf(NoPasswordError);
  });
});
