import { toValue, watch, type MaybeRefOrGetter } from 'vue'
import { manageApi } from '@/api/endpoints'
import { useAsync } from './useAsync'

/** One user as staff see them, with their accounts. */
export function useStaffUser(id: MaybeRefOrGetter<string | null>) {
  const task = useAsync((userId: string) => manageApi.getUser(userId))

  async function refresh() {
    const userId = toValue(id)
    if (userId) await task.run(userId)
  }
  watch(() => toValue(id), refresh, { immediate: true })

  return { user: task.data, loading: task.loading, error: task.error, refresh }
}
