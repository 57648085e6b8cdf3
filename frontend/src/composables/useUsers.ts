import { computed, ref, shallowRef } from 'vue'
import { manageApi } from '@/api/endpoints'
import type { UserSummary } from '@/api/types'
import { useAsync } from './useAsync'

export const USERS_PAGE_SIZE = 20

/** Staff user list: a search term and pages walked forwards and back with keyset cursors. */
export function useUsers() {
  const users = shallowRef<UserSummary[]>([])
  const search = ref('')
  // Cursor of every page seen so far; the last one is the page on screen.
  const cursors = ref<(string | null)[]>([null])
  const nextCursor = ref<string | null>(null)
  const task = useAsync((q: string | undefined, cursor: string | null) =>
    manageApi.listUsers({ q, limit: USERS_PAGE_SIZE, cursor }),
  )

  async function load() {
    const page = await task.run(search.value.trim() || undefined, cursors.value[cursors.value.length - 1] ?? null)
    if (!page.ok) return
    users.value = page.value.items
    nextCursor.value = page.value.next_cursor
  }

  return {
    users,
    loading: task.loading,
    error: task.error,
    search,
    page: computed(() => cursors.value.length),
    hasNext: computed(() => nextCursor.value !== null),
    hasPrevious: computed(() => cursors.value.length > 1),
    find: () => {
      cursors.value = [null]
      return load()
    },
    next: () => {
      if (!nextCursor.value) return Promise.resolve()
      cursors.value = [...cursors.value, nextCursor.value]
      return load()
    },
    previous: () => {
      if (cursors.value.length <= 1) return Promise.resolve()
      cursors.value = cursors.value.slice(0, -1)
      return load()
    },
  }
}
