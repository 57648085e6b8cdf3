import { watch, type MaybeRefOrGetter, toValue } from 'vue'
import { manageApi, transactionsApi } from '@/api/endpoints'
import { useKeysetList } from './useKeysetList'

export const PAGE_SIZE = 20

/** History newest first, optionally for one account; reloads when the account filter changes. */
export function useTransactions(account: MaybeRefOrGetter<string | null>, userId?: MaybeRefOrGetter<string | null>) {
  const list = useKeysetList((cursor) => {
    const query = { account: toValue(account), limit: PAGE_SIZE, cursor }
    const staffUser = userId ? toValue(userId) : null
    return staffUser ? manageApi.userTransactions(staffUser, query) : transactionsApi.list(query)
  })
  watch(
    () => [toValue(account), userId ? toValue(userId) : null],
    () => void list.reload(),
    { immediate: true },
  )
  return list
}
