import { inject, provide, reactive, ref, type InjectionKey, type Ref } from 'vue'
import { isApiError } from '@/api/problems'

/** What a form's fields and its error summary share: each field's message and input id. */
export interface FormErrorsContext {
  errors: Record<string, string | null>
  /** Input id per field name, registered by FormField (`name` prop) so the summary can link to it. */
  ids: Record<string, string>
  /** Set by `showErrors()`; the summary takes focus once it is on screen, and clears it. */
  focusPending: Ref<boolean>
}

export const FORM_ERRORS: InjectionKey<FormErrorsContext> = Symbol('form-errors')

export function useFormErrorsContext(): FormErrorsContext | null {
  return inject(FORM_ERRORS, null)
}

/**
 * Error messages per form field: from client-side checks first, then from the server's `errors`.
 * The page's FormFields (given `name`) and its ErrorSummary read them from here.
 */
export function useFieldErrors<F extends string>(fields: readonly F[]) {
  const errors = reactive(Object.fromEntries(fields.map((f) => [f, null]))) as Record<F, string | null>
  const ids = reactive<Record<string, string>>({})
  const focusPending = ref(false)
  provide(FORM_ERRORS, { errors, ids, focusPending })

  function clear() {
    for (const field of fields) errors[field] = null
  }

  /** Copies the server's field errors onto the form; returns true when at least one matched a field. */
  function fromServer(error: unknown): boolean {
    if (!isApiError(error)) return false
    let matched = false
    for (const field of fields) {
      const message = error.fieldMessage(field)
      if (message) {
        errors[field] = message
        matched = true
      }
    }
    return matched
  }

  const hasErrors = () => fields.some((f) => errors[f])

  /** After a failed submit: focus moves to the error summary, which links to each field. */
  function showErrors() {
    focusPending.value = true
  }

  return { errors, clear, fromServer, hasErrors, showErrors }
}
