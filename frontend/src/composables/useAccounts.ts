import { computed, shallowRef } from 'vue'
import { accountsApi } from '@/api/endpoints'
import type { Account, Currency } from '@/api/types'
import { CURRENCIES } from '@/api/limits'
import { totalsByCurrency } from '@/lib/money'
import { useAsync } from './useAsync'

export { CURRENCIES }

/** The signed-in customer's accounts, their totals per currency, and opening a new one. */
export function useAccounts() {
  const accounts = shallowRef<Account[]>([])
  const listing = useAsync(() => accountsApi.list())
  const opening = useAsync((name: string, currency: Currency) => accountsApi.open(name, currency), { mode: 'exclusive' })

  async function refresh() {
    const page = await listing.run()
    if (page.ok) accounts.value = page.value.items
  }

  async function open(name: string, currency: Currency): Promise<Account | null> {
    const opened = await opening.run(name, currency)
    if (!opened.ok) return null
    accounts.value = [...accounts.value, opened.value]
    return opened.value
  }

  return {
    accounts,
    loading: listing.loading,
    error: listing.error,
    refresh,
    open,
    opening: opening.loading,
    openError: opening.error,
    totals: computed(() => totalsByCurrency(accounts.value.filter((a) => a.status !== 'closed'))),
    usable: computed(() => accounts.value.filter((a) => a.status === 'active')),
  }
}
