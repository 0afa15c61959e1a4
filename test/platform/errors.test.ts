import { describe, expect, it } from "vitest";
import { AppError, defineErrors, fromSerialized, serializeError } from "../../src/platform/errors.ts";

describe("errors", () => {
  const errors = defineErrors("test-owner", {
    TEST_SOMETHING_WRONG: { status: 409, message: "Something is wrong." },
    TEST_TRY_AGAIN: { status: 503, message: "Try again.", canRetry: true },
  });

  it("carries code, status and canRetry, and survives the wire", () => {
    const error = errors.TEST_TRY_AGAIN({ headers: { "Retry-After": "3" } });
    expect(error).toBeInstanceOf(AppError);
    expect(error.canRetry).toBe(true);
    const back = fromSerialized(serializeError(error));
    expect(back).toMatchObject({
      code: "TEST_TRY_AGAIN",
      status: 503,
      canRetry: true,
      headers: { "Retry-After": "3" },
    });
    expect(errors.TEST_SOMETHING_WRONG.is(errors.TEST_SOMETHING_WRONG())).toBe(true);
  });

  it("refuses one code declared by two owners", () => {
    expect(() =>
      defineErrors("other-owner", { TEST_SOMETHING_WRONG: { status: 409, message: "x" } }),
    ).toThrow(/declared twice/);
  });

  it("treats unknown errors as retryable and hides nothing in serialisation", () => {
    expect(serializeError(new Error("boom"))).toMatchObject({ code: "INTERNAL", canRetry: true });
  });
});
