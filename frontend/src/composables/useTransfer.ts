import { transfersApi } from '@/api/endpoints'
import type { Transfer, TransferRequest } from '@/api/types'
import { useAccounts } from './useAccounts'
import { useAsync } from './useAsync'
import { useIdempotentSubmit } from './useIdempotentSubmit'

/** Sending money between accounts: the customer's accounts, a once-only submission, fresh balances after. */
export function useTransfer() {
  const accounts = useAccounts()
  const submission = useIdempotentSubmit<TransferRequest, Transfer>((request, key) => transfersApi.create(request, key))

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

  async function confirm(): Promise<Transfer | null> {
    const settled = await settle.run()
    return settled.ok ? settled.value : null
  }

  return { accounts, submission, confirm, settling: settle.loading }
}
