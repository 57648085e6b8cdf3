import { shallowRef } from 'vue'
import { isApiError } from '@/api/problems'

// A factor change answers 403 sca-required without a fresh strong authentication. The change is
// then asked again after the person confirms it is them in src/components/StepUpDialog.vue (mounted
// by the page that makes such changes); cancelling gives the change its original refusal back.

interface StepUpRequest {
  /** The refusal that asked for it: its detail says why (first factor: sign in again). */
  reason: unknown
  confirmed: () => void
  cancelled: () => void
}

/** The step-up the dialog is showing, or null. */
export const stepUpRequest = shallowRef<StepUpRequest | null>(null)

function stepUp(reason: unknown): Promise<boolean> {
  return new Promise((resolve) => {
    stepUpRequest.value?.cancelled()
    const finish = (confirmed: boolean) => () => {
      stepUpRequest.value = null
      resolve(confirmed)
    }
    stepUpRequest.value = { reason, confirmed: finish(true), cancelled: finish(false) }
  })
}

/** Runs `work`; on sca-required, steps up through the dialog and runs it once more. */
export async function withStepUp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!isApiError(error) || error.slug !== 'sca-required') throw error
    if (!(await stepUp(error))) throw error
    return work()
  }
}
