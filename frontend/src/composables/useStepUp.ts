import { shallowRef } from 'vue'
import { isApiError } from '@/api/problems'

// A factor change, marking a payee trusted and setting up a standing order answer 403 sca-required
// without a fresh strong authentication. The request is then sent again after the person confirms
// it is them in src/components/StepUpDialog.vue (mounted by the page that makes such changes);
// cancelling gives the request its original refusal back.

/** What the dialog says the confirmation is for, unless the caller says otherwise. */
const FACTOR_CHANGE = 'Changing your second factors needs your authenticator app, a recovery code or a passkey.'

interface StepUpRequest {
  /** The refusal that asked for it: its detail says why (first factor: sign in again). */
  reason: unknown
  /** What the confirmation is for, in a sentence. */
  purpose: string
  confirmed: () => void
  cancelled: () => void
}

/** The step-up the dialog is showing, or null. */
export const stepUpRequest = shallowRef<StepUpRequest | null>(null)

function stepUp(reason: unknown, purpose: string): Promise<boolean> {
  return new Promise((resolve) => {
    stepUpRequest.value?.cancelled()
    const finish = (confirmed: boolean) => () => {
      stepUpRequest.value = null
      resolve(confirmed)
    }
    stepUpRequest.value = { reason, purpose, confirmed: finish(true), cancelled: finish(false) }
  })
}

/** Runs `work`; on sca-required, steps up through the dialog (saying `purpose`) and runs it once more. */
export async function withStepUp<T>(work: () => Promise<T>, purpose: string = FACTOR_CHANGE): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!isApiError(error) || error.slug !== 'sca-required') throw error
    if (!(await stepUp(error, purpose))) throw error
    return work()
  }
}
