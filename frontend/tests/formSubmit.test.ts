import { describe, expect, it, vi } from "vitest";
import { ref } from "vue";
import { ApiError } from "../src/api/errors";
import { catalogues } from "../src/i18n/translate";
import type { FieldErrors } from "../src/state/forms";
import { useFormSubmit } from "../src/state/formSubmit";

type Field = "title" | "starts_at";

// A form element as far as the submit uses it: it is asked for its first invalid field.
function fakeForm() {
  const focus = vi.fn();
  const querySelector = vi.fn(() => ({ focus }));
  return { form: ref({ querySelector } as unknown as HTMLFormElement), focus, querySelector };
}

const serverErrors = (failure: unknown): FieldErrors<Field> =>
  failure instanceof ApiError && failure.code === "validation_error" ? { title: { key: "form.tooLong", params: { max: 300 } } } : { _form: { key: "error.error" } };

describe("a form's submit", () => {
  it("sends nothing while a check of the client fails, and focuses the first invalid field", async () => {
    const { form, focus, querySelector } = fakeForm();
    const save = vi.fn(async () => {});
    const { errors, busy, submit } = useFormSubmit<Field>(form, { validate: () => ({ title: { key: "form.required" } }), save, serverErrors });
    await submit();
    expect(save).not.toHaveBeenCalled();
    expect(errors.value).toEqual({ title: { key: "form.required" } });
    expect(busy.value).toBe(false);
    expect(querySelector).toHaveBeenCalledWith("[aria-invalid='true']");
    expect(focus).toHaveBeenCalledOnce();
  });

  it("is busy while it saves, then clears the errors and focuses nothing", async () => {
    const { form, focus } = fakeForm();
    let busyDuringSave: boolean | null = null;
    const { errors, busy, submit } = useFormSubmit<Field>(form, {
      validate: () => ({}),
      save: async () => {
        busyDuringSave = busy.value;
      },
      serverErrors,
    });
    errors.value = { title: { key: "form.required" } };
    await submit();
    expect(busyDuringSave).toBe(true);
    expect(busy.value).toBe(false);
    expect(errors.value).toEqual({});
    expect(focus).not.toHaveBeenCalled();
  });

  it("places the server's refusal on its field and focuses it", async () => {
    const { form, focus } = fakeForm();
    const refusal = new ApiError(422, { code: "validation_error", message: "Longer than maximum length 300." });
    const { errors, busy, submit } = useFormSubmit<Field>(form, { validate: () => ({}), save: () => Promise.reject(refusal), serverErrors });
    await submit();
    expect(errors.value).toEqual({ title: { key: "form.tooLong", params: { max: 300 } } });
    expect(busy.value).toBe(false);
    expect(focus).toHaveBeenCalledOnce();
  });

  it("says a refusal on no field above the form in the client's words, never the server's", async () => {
    const { form } = fakeForm();
    const refusal = new ApiError(409, { code: "vote_closed", message: "vote 7 is closed" });
    const { errors, submit } = useFormSubmit<Field>(form, { validate: () => ({}), save: () => Promise.reject(refusal), serverErrors });
    await submit();
    expect(errors.value).toEqual({ _form: { text: catalogues.vi["error.vote_closed"] } });
  });
});
