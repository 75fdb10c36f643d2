// The submit of a form that checks its fields, then saves: the client's checks first, nothing sent while
// any fails; the server's refusal placed on the fields (or said in the client's words above them); and
// the first field marked invalid focused, so that a keyboard or screen-reader user lands on it.
import { nextTick, ref, type Ref } from "vue";
import { describeError } from "../errors";
import { hasErrors, type FieldErrors } from "./forms";

export interface FormSubmit<F extends string> {
  errors: Ref<FieldErrors<F>>;
  /** True while the save is in flight: the submit button is disabled. */
  busy: Ref<boolean>;
  submit: () => Promise<void>;
}

/** `form`: the template ref of the <form>, where the first invalid field is looked for. */
export function useFormSubmit<F extends string>(
  form: Ref<HTMLFormElement | null>,
  steps: {
    validate: () => FieldErrors<F>;
    /** Sends the form; what follows a success (emit, reset, navigate) is its own. */
    save: () => Promise<void>;
    serverErrors: (failure: unknown) => FieldErrors<F>;
  },
): FormSubmit<F> {
  const errors = ref({}) as Ref<FieldErrors<F>>;
  const busy = ref(false);

  async function submit() {
    errors.value = steps.validate();
    if (!hasErrors(errors.value)) {
      busy.value = true;
      try {
        await steps.save();
        return;
      } catch (failure) {
        errors.value = steps.serverErrors(failure);
        if (errors.value._form) errors.value._form = { text: describeError(failure) };
      } finally {
        busy.value = false;
      }
    }
    await nextTick();
    form.value?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }

  return { errors, busy, submit };
}
