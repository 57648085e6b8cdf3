import { computed, ref, shallowRef, type ComputedRef, type Ref } from 'vue'
import type { Page } from '@/api/types'

/** What a page hands to a list component: the items so far and the means to read more. */
export interface KeysetList<T> {
  items: Ref<T[]>
  loading: Ref<boolean>
  error: Ref<unknown>
  hasMore: ComputedRef<boolean>
  reload: () => Promise<void>
  loadMore: () => Promise<void>
}

/**
 * A list read page by page with the API's keyset cursors ("load more").
 * A reload while a page is in flight wins: the older answer is dropped.
 */
export function useKeysetList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): KeysetList<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  let generation = 0

  async function load(cursor: string | null) {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      items.value = cursor ? [...items.value, ...page.items] : page.items
      nextCursor.value = page.next_cursor
    } catch (e) {
      if (mine === generation) error.value = e
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  return {
    items,
    loading,
    error,
    hasMore: computed(() => nextCursor.value !== null),
    reload: () => {
      items.value = []
      nextCursor.value = null
      return load(null)
    },
    loadMore: () => (nextCursor.value && !loading.value ? load(nextCursor.value) : Promise.resolve()),
  }
}
