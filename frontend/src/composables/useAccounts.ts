import { computed, ref, shallowRef } from 'vue'
import { accountsApi } from '@/api/endpoints'
import type { Account, Currency } from '@/api/types'
import { totalsByCurrency } from '@/lib/money'

export const CURRENCIES: Currency[] = ['EUR', 'USD', 'GBP', 'INR']

/** The signed-in customer's accounts, their totals per currency, and opening a new one. */
export function useAccounts() {
  const accounts = shallowRef<Account[]>([])
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  const opening = ref(false)
  const openError = shallowRef<unknown>(null)

  async function refresh() {
    loading.value = true
    error.value = null
    try {
      accounts.value = (await accountsApi.list()).items
    } catch (e) {
      error.value = e
    } finally {
      loading.value = false
    }
  }

  async function open(name: string, currency: Currency): Promise<Account | null> {
    if (opening.value) return null
    opening.value = true
    openError.value = null
    try {
      const account = await accountsApi.open(name, currency)
      accounts.value = [...accounts.value, account]
      return account
    } catch (e) {
      openError.value = e
      return null
    } finally {
      opening.value = false
    }
  }

  return {
    accounts,
    loading,
    error,
    refresh,
    open,
    opening,
    openError,
    totals: computed(() => totalsByCurrency(accounts.value.filter((a) => a.status !== 'closed'))),
    usable: computed(() => accounts.value.filter((a) => a.status === 'active')),
  }
}
