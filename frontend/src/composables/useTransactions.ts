import { watch, type MaybeRefOrGetter, toValue } from 'vue'
import { manageApi, transactionsApi, type HistoryFilters } from '@/api/endpoints'
import { useKeysetList } from './useKeysetList'

export const PAGE_SIZE = 20

/** History newest first, optionally for one account and filtered; reloads when the account or a filter changes. */
export function useTransactions(
  account: MaybeRefOrGetter<string | null>,
  userId?: MaybeRefOrGetter<string | null>,
  filters?: MaybeRefOrGetter<HistoryFilters>,
) {
  const list = useKeysetList((cursor) => {
    const query = { ...(filters ? toValue(filters) : {}), account: toValue(account), limit: PAGE_SIZE, cursor }
    const staffUser = userId ? toValue(userId) : null
    return staffUser ? manageApi.userTransactions(staffUser, query) : transactionsApi.list(query)
  })
  watch(
    () => JSON.stringify([toValue(account), userId ? toValue(userId) : null, filters ? toValue(filters) : null]),
    () => void list.reload(),
    { immediate: true },
  )
  return list
}
