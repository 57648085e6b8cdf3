import { reactive } from 'vue'
import { isApiError } from '@/api/problems'

/** Error messages per form field: from client-side checks first, then from the server's `errors`. */
export function useFieldErrors<F extends string>(fields: readonly F[]) {
  const errors = reactive(Object.fromEntries(fields.map((f) => [f, null]))) as Record<F, string | null>

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

  return { errors, clear, fromServer, hasErrors }
}
