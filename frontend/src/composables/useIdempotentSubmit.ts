import { computed, ref, shallowRef, type Ref } from 'vue'
import { isApiError } from '@/api/problems'
import { newIdempotencyKey } from '@/lib/idempotency'

export type SubmitStep = 'editing' | 'confirming' | 'sending' | 'done'

const IN_PROGRESS_RETRIES = 3

/**
 * Sends a money movement at most once.
 *
 * Each confirmed submission gets a fresh Idempotency-Key. While it is in flight further clicks
 * join the same request; when it fails in a way that may not have reached the server (network,
 * 5xx) `confirm()` again retries with the same key, so the server applies it at most once. Going
 * back to edit drops the key: the next submission is a new one.
 */
export function useIdempotentSubmit<Req, Res>(
  send: (request: Req, idempotencyKey: string) => Promise<Res>,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
) {
  const step = ref<SubmitStep>('editing')
  const pending = shallowRef<Req | null>(null) as Ref<Req | null>
  const result = shallowRef<Res | null>(null) as Ref<Res | null>
  const error = shallowRef<unknown>(null)
  let key: string | null = null
  let inFlight: Promise<Res | null> | null = null

  function review(request: Req) {
    pending.value = request
    key = newIdempotencyKey()
    error.value = null
    step.value = 'confirming'
  }

  function edit() {
    key = null
    error.value = null
    step.value = 'editing'
  }

  function reset() {
    edit()
    pending.value = null
    result.value = null
  }

  async function attempt(request: Req, idempotencyKey: string): Promise<Res> {
    for (let retry = 0; ; retry++) {
      try {
        return await send(request, idempotencyKey)
      } catch (e) {
        // Our own earlier attempt is still being processed: wait for it rather than fail.
        if (isApiError(e) && e.slug === 'idempotency-key-in-progress' && retry < IN_PROGRESS_RETRIES) {
          await wait((e.retryAfterSeconds ?? 1) * 1000)
          continue
        }
        throw e
      }
    }
  }

  function confirm(): Promise<Res | null> {
    if (inFlight) return inFlight
    if (step.value !== 'confirming' || !pending.value || !key) return Promise.resolve(null)
    const request = pending.value
    const idempotencyKey = key
    step.value = 'sending'
    error.value = null
    inFlight = attempt(request, idempotencyKey)
      .then((res) => {
        result.value = res
        key = null
        step.value = 'done'
        return res
      })
      .catch((e: unknown) => {
        error.value = e
        // Retryable failures stay on the confirmation step with the same key; a refusal
        // (insufficient funds, frozen account…) sends the person back to the form.
        if (isApiError(e) && e.retryable) step.value = 'confirming'
        else {
          key = null
          step.value = 'editing'
        }
        return null
      })
      .finally(() => {
        inFlight = null
      })
    return inFlight
  }

  return {
    step,
    pending,
    result,
    error,
    canRetry: computed(() => step.value === 'confirming' && isApiError(error.value) && error.value.retryable),
    review,
    confirm,
    edit,
    reset,
    /** For tests: the key the next confirm() would send. */
    currentKey: () => key,
  }
}
