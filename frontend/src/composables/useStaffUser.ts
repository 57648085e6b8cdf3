import { ref, shallowRef, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { manageApi } from '@/api/endpoints'
import type { UserDetail } from '@/api/types'

/** One user as staff see them, with their accounts. */
export function useStaffUser(id: MaybeRefOrGetter<string | null>) {
  const user = shallowRef<UserDetail | null>(null)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)

  async function refresh() {
    const userId = toValue(id)
    if (!userId) return
    loading.value = true
    error.value = null
    try {
      user.value = await manageApi.getUser(userId)
    } catch (e) {
      error.value = e
    } finally {
      loading.value = false
    }
  }
  watch(() => toValue(id), refresh, { immediate: true })

  return { user, loading, error, refresh }
}
