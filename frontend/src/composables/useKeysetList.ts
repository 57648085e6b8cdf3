import { computed, ref, shallowRef, type ComputedRef, type Ref } from 'vue'
import type { Page } from '@/api/types'
import { useAsync } from './useAsync'

/** What a page hands to a list component: the items so far and the means to read more. */
export interface KeysetList<T> {
  items: Ref<T[]>
  loading: Readonly<Ref<boolean>>
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
  const task = useAsync(fetchPage)

  async function load(cursor: string | null) {
    const page = await task.run(cursor)
    if (!page.ok) return
    items.value = cursor ? [...items.value, ...page.value.items] : page.value.items
    nextCursor.value = page.value.next_cursor
  }

  return {
    items,
    loading: task.loading,
    error: task.error,
    hasMore: computed(() => nextCursor.value !== null),
    reload: () => {
      items.value = []
      nextCursor.value = null
      return load(null)
    },
    loadMore: () => (nextCursor.value && !task.loading.value ? load(nextCursor.value) : Promise.resolve()),
  }
}
