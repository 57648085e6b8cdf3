import { computed, ref, shallowRef } from 'vue'
import { manageApi } from '@/api/endpoints'
import type { UserSummary } from '@/api/types'

export const USERS_PAGE_SIZE = 20

/** Staff user list: a search term and pages walked forwards and back with keyset cursors. */
export function useUsers() {
  const users = shallowRef<UserSummary[]>([])
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  const search = ref('')
  // Cursor of every page seen so far; the last one is the page on screen.
  const cursors = ref<(string | null)[]>([null])
  const nextCursor = ref<string | null>(null)
  let generation = 0

  async function load() {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await manageApi.listUsers({
        q: search.value.trim() || undefined,
        limit: USERS_PAGE_SIZE,
        cursor: cursors.value[cursors.value.length - 1] ?? null,
      })
      if (mine !== generation) return
      users.value = page.items
      nextCursor.value = page.next_cursor
    } catch (e) {
      if (mine === generation) error.value = e
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  return {
    users,
    loading,
    error,
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
