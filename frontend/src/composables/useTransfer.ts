import { ref } from 'vue'
import { transfersApi } from '@/api/endpoints'
import type { Transfer, TransferRequest } from '@/api/types'
import { useAccounts } from './useAccounts'
import { useIdempotentSubmit } from './useIdempotentSubmit'

/** Sending money between accounts: the customer's accounts, a once-only submission, fresh balances after. */
export function useTransfer() {
  const accounts = useAccounts()
  const submission = useIdempotentSubmit<TransferRequest, Transfer>((request, key) => transfersApi.create(request, key))

  // True from sending until the balances are re-read, so no stale balance is shown as the new one.
  const settling = ref(false)

  async function confirm(): Promise<Transfer | null> {
    settling.value = true
    try {
      const transfer = await submission.confirm()
      // Balances change on success and may have changed on a refusal too (another tab, staff).
      if (transfer || submission.error.value) await accounts.refresh()
      return transfer
    } finally {
      settling.value = false
    }
  }

  return { accounts, submission, confirm, settling }
}
