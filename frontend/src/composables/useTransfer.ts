import { shallowRef } from 'vue'
import { transfersApi } from '@/api/endpoints'
import { isApiError } from '@/api/problems'
import type { PendingPayment, Transfer, TransferRequest } from '@/api/types'
import { useAccounts } from './useAccounts'
import { useAsync } from './useAsync'
import { useIdempotentSubmit } from './useIdempotentSubmit'

/**
 * Sending money between accounts: the customer's accounts, a check before the review step, a
 * once-only submission, fresh balances after.
 */
export function useTransfer() {
  const accounts = useAccounts()
  // A 202 (PendingPayment) ends the submission too: the payment confirmation step takes over.
  const submission = useIdempotentSubmit<TransferRequest, Transfer | PendingPayment>((request, key) =>
    transfersApi.create(request, key),
  )
  const check = useAsync((request: TransferRequest) => transfersApi.preview(request), { mode: 'exclusive' })
  /** Why the transfer would be refused (currency, a frozen recipient, funds…), known before the review. */
  const refusal = shallowRef<unknown>(null)

  /** Goes to the review step unless the API says the transfer would be refused. */
  async function review(request: TransferRequest): Promise<boolean> {
    if (check.loading.value) return false
    refusal.value = null
    const checked = await check.run(request)
    const e = check.error.value
    // Only a refusal keeps the person on the form: when the check itself could not be made
    // (network, server error), the transfer decides when it is sent.
    if (!checked.ok && isApiError(e) && !e.retryable) {
      refusal.value = e
      return false
    }
    submission.review(request)
    return true
  }

  // Loading from sending until the balances are re-read, so no stale balance is shown as the new one.
  const settle = useAsync(
    async () => {
      const transfer = await submission.confirm()
      // Balances change on success and may have changed on a refusal too (another tab, staff).
      if (transfer || submission.error.value) await accounts.refresh()
      return transfer
    },
    { mode: 'exclusive' },
  )

  async function confirm(): Promise<Transfer | PendingPayment | null> {
    const settled = await settle.run()
    return settled.ok ? settled.value : null
  }

  return { accounts, submission, review, refusal, checking: check.loading, confirm, settling: settle.loading }
}
